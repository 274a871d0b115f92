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

/** Past this a "URL" is not a Slack permalink; nobody needs it in an issue. */
const maxLinkLength = 2000;

/**
 * A URL that came from outside (a Slack permalink, possibly echoed back
 * through a modal's private_metadata) made safe for a Markdown link
 * destination in a GitHub issue: only http(s), no credentials, and every
 * character outside a small set percent-encoded, so no `<`, `>`, quote,
 * space, parenthesis or `@` survives to become HTML, a hidden marker, a
 * broken-out link or a mention. Undefined when it is not such a URL.
 */
export function safeLinkForGitHub(raw: string): string | undefined {
  if (raw.length > maxLinkLength) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password || !url.hostname) {
    return undefined;
  }
  // WHATWG serialisation has already encoded spaces, quotes and angle brackets in most
  // positions; the allow-list also covers the ones it leaves alone (`@`, `(`, `'`, …).
  const rest = `${url.pathname}${url.search}${url.hash}`.replace(
    /[^A-Za-z0-9\-._~/?#=&%+,;:]/g,
    (character) => encodeURIComponent(character).replace(/[!'()*@]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  );
  return `${url.protocol}//${url.host}${rest}`;
}
