/**
 * Makes text a person typed inert in a GitHub issue: no HTML (so no forged
 * hidden markers, no tags), and no @-mentions. A zero-width space after `@`
 * stops GitHub from linking and notifying a user or team, whatever stage of
 * its Markdown pipeline recognises mentions; a backslash escape would not
 * survive into the rendered text everywhere.
 */
export function escapeForGitHub(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replace(/@(?=[A-Za-z0-9])/g, "@\u200b");
}
