import { z } from "zod";

/**
 * The envelope every Slack request carries, checked before Bolt sees it.
 * Bolt's own helpers read parts of it without looking (a null `event`, an
 * interaction without `user`, a form without `view.state`) and answer 500.
 * A signed request whose envelope is not one Slack sends is answered 400
 * here instead. Only the envelope is checked: what is inside (values, ids,
 * texts) stays for the router and the handlers to read defensively.
 */

const id = z.string().min(1);
const object = z.object({}).passthrough();

const command = z.object({ command: id, user_id: id, channel_id: id, team_id: z.string(), text: z.string().optional() }).passthrough();

const interactionBase = z
  .object({
    type: id,
    user: z.object({ id }).passthrough(),
    team: object.nullable().optional(),
    // Read by Bolt without looking when present: an object or absent, never null.
    channel: object.optional(),
    container: object.optional(),
    response_urls: z.array(object).optional(),
  })
  .passthrough();
const interactions: Record<string, z.ZodType> = {
  block_actions: interactionBase.extend({
    actions: z.array(z.object({ action_id: id }).passthrough()).min(1),
    channel: object.optional(),
    container: object.optional(),
  }),
  view_submission: interactionBase.extend({
    view: z.object({ callback_id: z.string(), state: z.object({ values: z.record(z.string(), object) }).passthrough() }).passthrough(),
  }),
  view_closed: interactionBase.extend({ view: z.object({ callback_id: z.string() }).passthrough() }),
  message_action: interactionBase.extend({
    callback_id: id,
    channel: z.object({ id }).passthrough(),
    message: object,
  }),
  shortcut: interactionBase.extend({ callback_id: id }),
};

const event = z
  .object({
    type: id,
    // Events about an item (reactions, pins) name it; Bolt reads its channel.
    item: object.optional(),
    // A user or channel id, or (team_join, channel_created…) the object itself; never null.
    user: z.union([z.string(), object]).optional(),
    channel: z.union([z.string(), object]).optional(),
  })
  .passthrough();
const eventsApi: Record<string, z.ZodType> = {
  url_verification: z.object({ challenge: z.string() }).passthrough(),
  event_callback: z.object({ event_id: id, event, authorizations: z.array(object).optional() }).passthrough(),
  // Slack's notice that it is holding events back; nothing to act on, but a request Slack does send.
  app_rate_limited: object,
};

export type EnvelopeCheck = { ok: true } | { ok: false; reason: string };

/** Whether a verified body has the shape of a request Slack sends. */
export function checkSlackEnvelope(contentType: string | undefined, body: Buffer): EnvelopeCheck {
  const text = body.toString("utf8");
  if ((contentType ?? "").startsWith("application/json")) {
    const parsed = parseTyped(text);
    if (!parsed) return { ok: false, reason: "body is not a JSON object with a type" };
    const schema = eventsApi[parsed.type];
    if (!schema) return { ok: false, reason: "not an Events API request" };
    return verdict(schema.safeParse(parsed.value));
  }
  if ((contentType ?? "").startsWith("application/x-www-form-urlencoded")) {
    const form = new URLSearchParams(text);
    // Slack never repeats a field; Bolt would read a repeated one as a list where a string is expected.
    const keys = [...form.keys()];
    if (new Set(keys).size !== keys.length) return { ok: false, reason: "a form field is repeated" };
    const payload = form.get("payload");
    if (payload === null) return verdict(command.safeParse(Object.fromEntries(form)));
    const parsed = parseTyped(payload);
    if (!parsed) return { ok: false, reason: "payload is not a JSON object with a type" };
    // An interaction type the bot does not register is left to Bolt, which acks it; its envelope still must hold.
    return verdict((interactions[parsed.type] ?? interactionBase).safeParse(parsed.value));
  }
  return { ok: false, reason: "unexpected content type" };
}

/** JSON with a string `type`, as every Slack body has; undefined otherwise. */
function parseTyped(text: string): { type: string; value: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    const type = (value as { type?: unknown } | null)?.type;
    return typeof type === "string" ? { type, value } : undefined;
  } catch {
    return undefined;
  }
}

function verdict(result: { success: boolean; error?: z.ZodError }): EnvelopeCheck {
  if (result.success) return { ok: true };
  const issue = result.error?.issues[0];
  return { ok: false, reason: issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "malformed" };
}
