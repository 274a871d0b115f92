import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { Clock } from "../../core/clock.ts";
import { type HttpRoutes, readBody, sendJson } from "../../core/http/server.ts";
import type { Logger } from "../../core/logging.ts";
import type { Playbook } from "../../core/config/playbook.ts";
import type { IncidentEvents } from "../../domain/incidents/events.ts";
import { applyPagerReport, type ExternalPager, type PagerReport } from "./pager-alerts.ts";

/**
 * What the pagers tell the bot: `POST /pagers/pagerduty/webhook` (PagerDuty
 * Webhooks v3, signed with `X-PagerDuty-Signature`) and `POST
 * /pagers/opsgenie/webhook` (Opsgenie's webhook integration, which signs
 * nothing but sends the headers it is given: `Authorization: Bearer <token>`).
 * Verified before anything is parsed; unverified requests get 401 and change
 * nothing. Events the bot does not act on are answered 200 "ignored", so the
 * provider does not retry them.
 */

export const maxPagerWebhookBytes = 512 * 1024;

export interface PagerWebhookDependencies {
  playbook: Playbook;
  clock: Clock;
  log: Logger;
  events: IncidentEvents;
  pagerDutySecret: string | undefined;
  opsgenieToken: string | undefined;
  /** A page acknowledged on a pager counts as acknowledged (GET /metrics). */
  onAcknowledged(): void;
}

const pagerDutyEvent = z.object({
  event: z.object({
    event_type: z.string(),
    agent: z.object({ id: z.string().nullish(), type: z.string().nullish(), summary: z.string().nullish() }).passthrough().nullish(),
    data: z.object({ id: z.string().nullish(), incident_key: z.string().nullish() }).passthrough(),
  }),
});

const opsgenieEvent = z.object({
  action: z.string(),
  alert: z.object({ alias: z.string().nullish(), alertId: z.string().nullish(), username: z.string().nullish() }).passthrough(),
});

export function pagerWebhookRoutes(deps: PagerWebhookDependencies): HttpRoutes {
  return {
    "POST /pagers/pagerduty/webhook": (request, response) =>
      receive(deps, "pagerduty", request, response, (headers, body) => verifyPagerDuty(deps.pagerDutySecret, headers, body), readPagerDuty),
    "POST /pagers/opsgenie/webhook": (request, response) =>
      receive(deps, "opsgenie", request, response, (headers) => verifyBearer(deps.opsgenieToken, headers), readOpsgenie),
  };
}

type Verdict = "ok" | { status: 401 | 404; error: string };

async function receive(
  deps: PagerWebhookDependencies,
  provider: ExternalPager,
  request: IncomingMessage,
  response: ServerResponse,
  verify: (headers: IncomingMessage["headers"], body: Buffer) => Verdict,
  read: (json: unknown) => PagerReport | undefined,
): Promise<void> {
  const body = await readBody(request, maxPagerWebhookBytes);
  const verdict = verify(request.headers, body);
  if (verdict !== "ok") {
    deps.log.warn({ provider, status: verdict.status }, "pager webhook refused");
    sendJson(response, verdict.status, { error: verdict.error });
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    sendJson(response, 400, { error: "body is not JSON" });
    return;
  }
  const report = read(json);
  if (!report) {
    sendJson(response, 200, { status: "ignored" });
    return;
  }
  const now = deps.clock.now();
  const outcome = await deps.events.transaction((tx) => applyPagerReport(tx, deps, provider, report, now));
  if (outcome === "applied" && report.kind === "acknowledged") deps.onAcknowledged();
  deps.log.info({ provider, report: report.kind, outcome }, "pager webhook");
  sendJson(response, 200, { status: outcome });
}

function readPagerDuty(json: unknown): PagerReport | undefined {
  const parsed = pagerDutyEvent.safeParse(json);
  if (!parsed.success) return undefined;
  const { event_type: type, agent, data } = parsed.data.event;
  if (!data.incident_key) return undefined;
  // Only a person is a key of `pagerUsers`; our own Events API calls come back with an integration as agent.
  const person = agent?.type === "user_reference" ? (agent.id ?? null) : null;
  const common = { dedupKey: data.incident_key, by: agent?.summary ?? null, byId: person, remoteId: data.id ?? null };
  if (type === "incident.acknowledged") return { kind: "acknowledged", ...common };
  if (type === "incident.resolved") return { kind: "resolved", ...common };
  return undefined;
}

function readOpsgenie(json: unknown): PagerReport | undefined {
  const parsed = opsgenieEvent.safeParse(json);
  if (!parsed.success || !parsed.data.alert.alias) return undefined;
  const username = parsed.data.alert.username ?? null;
  const common = { dedupKey: parsed.data.alert.alias, by: username, byId: username, remoteId: parsed.data.alert.alertId ?? null };
  if (parsed.data.action === "Acknowledge") return { kind: "acknowledged", ...common };
  if (parsed.data.action === "Close") return { kind: "resolved", ...common };
  return undefined;
}

/** `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]`: one of them is the HMAC-SHA256 of the body with our secret. */
export function verifyPagerDuty(secret: string | undefined, headers: IncomingMessage["headers"], body: Buffer): Verdict {
  if (!secret) return { status: 404, error: "PagerDuty webhooks are not enabled; set PAGERDUTY_WEBHOOK_SECRET" };
  const header = headers["x-pagerduty-signature"];
  const given = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.startsWith("v1="))
    .map((part) => Buffer.from(part.slice(3), "hex"));
  const expected = createHmac("sha256", secret).update(body).digest();
  const valid = given.some((signature) => signature.length === expected.length && timingSafeEqual(signature, expected));
  return valid ? "ok" : { status: 401, error: "X-PagerDuty-Signature missing or wrong; set PAGERDUTY_WEBHOOK_SECRET to the subscription's secret" };
}

export function verifyBearer(token: string | undefined, headers: IncomingMessage["headers"]): Verdict {
  if (!token) return { status: 404, error: "Opsgenie webhooks are not enabled; set OPSGENIE_WEBHOOK_TOKEN" };
  const header = headers.authorization;
  const given = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  const digest = (text: string) => createHmac("sha256", "compare").update(text).digest();
  return timingSafeEqual(digest(given), digest(token))
    ? "ok"
    : { status: 401, error: "Authorization: Bearer <OPSGENIE_WEBHOOK_TOKEN> missing or wrong; add it as a header of the webhook integration" };
}
