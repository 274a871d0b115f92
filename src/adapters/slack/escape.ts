import { monitorSource } from "../../domain/incidents/actors.ts";
/**
 * Escapes user-typed text for Slack mrkdwn. Slack only treats `<…>` sequences
 * as mentions and links, so escaping `&`, `<` and `>` is what stops a title
 * like `<!channel> is down` from pinging a whole channel (Slack's "Escaping
 * text" guide). Plain `@channel` text is inert without `link_names`, which the
 * bot never sets.
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * Trims text to Slack's limits (counted in UTF-16 units, as Slack's validator
 * does) without cutting a surrogate pair in half.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = "";
  for (const character of text) {
    if (kept.length + character.length > max - 1) break;
    kept += character;
  }
  return `${kept}…`;
}

export function mentionUser(userId: string): string {
  return `<@${userId}>`;
}

/** A person as a mention; a monitor (`monitor:alertmanager`, domain/incidents/actors.ts) by name. */
export function mentionActor(actorId: string): string {
  const source = monitorSource(actorId);
  if (source !== undefined) return `the monitor (${escapeMrkdwn(source)})`;
  return mentionUser(actorId);
}

export function mentionChannel(channelId: string): string {
  return `<#${channelId}>`;
}

/**
 * Reads a user mention as Slack sends it in slash-command text when the
 * command escapes mentions (`<@U123|alice>` or `<@U123>`).
 */
export function parseUserMention(token: string): string | undefined {
  const match = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(token.trim());
  return match?.[1];
}

