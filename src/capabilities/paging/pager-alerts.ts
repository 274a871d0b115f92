import type { Logger } from "../../core/logging.ts";
import type { Metrics } from "../../core/metrics/metrics.ts";
import type { PagerName, Playbook } from "../../core/config/playbook.ts";
import { cancelTimer, scheduleTimer } from "../../core/scheduler/timers.ts";
import type { TimerHandler, Transaction } from "../../core/scheduler/types.ts";
import { enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import { escapeMrkdwn, mentionUser, truncate } from "../../adapters/slack/escape.ts";
import {
  type PagerAction,
  type PagerAlertFacts,
  type PagerClient,
  PagerUnavailableError,
} from "../../adapters/pagers/pager.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { incidentKey } from "../../domain/incidents/rules.ts";
import type { IncidentEvents } from "../../domain/incidents/events.ts";
import { assignRole as seatRole } from "../../domain/incidents/roles.ts";
import { appendTimeline } from "../../domain/incidents/timeline.ts";
import { escalationKey } from "./escalation-keys.ts";
import { roleLabel } from "./views.ts";

/**
 * Pages beyond Slack. A role whose escalation level (or the role itself) says
 * `pager: pagerduty` or `pager: opsgenie` also gets one alert on that pager
 * per incident: a `pager_alerts` row whose `state` is what the provider should
 * show, and one durable `pager.deliver` timer that brings the provider there
 * in order (trigger, then acknowledge, then resolve), so a resolve never
 * overtakes the trigger it closes. The provider de-duplicates by our key, so
 * a call repeated after a crash changes nothing; an outage reschedules the
 * timer with backoff and never gives up (as GitHub's outbox does).
 *
 * Coming back: an acknowledgement on the pager stops the bot's own
 * escalation for that role, as a Slack acknowledgement does; a resolve there
 * stops it too, and says so in the channel (the incident stays open until a
 * person resolves it here). Anything about an incident already resolved
 * changes nothing.
 */

export const pagerDeliverKind = "pager.deliver";

export type ExternalPager = Exclude<PagerName, "slack">;

export interface PagerAlertDependencies {
  prisma: PrismaClient;
  playbook: Playbook;
  log: Logger;
  metrics: Pick<Metrics, "pages">;
  /** The configured clients; a provider without its key is absent. */
  pagers: Partial<Record<ExternalPager, PagerClient>>;
}

export function pagerDedupKey(incidentId: string, role: string): string {
  return `incident-bot:${incidentId}:${role}`;
}

/** The pager for this role at this escalation level: the level's own, else the role's, else Slack only. */
export function pagerFor(playbook: Playbook, role: string, level: number): PagerName {
  const policyName = playbook.roles[role]?.escalation;
  const levelPager = policyName ? playbook.escalationPolicies[policyName]?.levels[level]?.pager : undefined;
  return levelPager ?? playbook.roles[role]?.pager ?? "slack";
}

function deliverKey(alertId: string): string {
  return `pager:${alertId}`;
}

async function scheduleDelivery(tx: Transaction, alertId: string, now: Date): Promise<void> {
  await scheduleTimer(tx, { kind: pagerDeliverKind, key: deliverKey(alertId), dueAt: now, payload: { alertId } }, now);
}

/** Opens the role's alert on `provider`, once per incident, inside the paging transaction. */
export async function openPagerAlert(
  tx: Transaction,
  incident: { id: string },
  role: string,
  provider: ExternalPager,
  now: Date,
): Promise<boolean> {
  const created = await tx.pagerAlert.createMany({
    data: [{ incidentId: incident.id, role, provider, dedupKey: pagerDedupKey(incident.id, role), triggeredAt: now }],
    skipDuplicates: true,
  });
  if (created.count === 0) return false;
  const alert = await tx.pagerAlert.findUniqueOrThrow({ where: { dedupKey: pagerDedupKey(incident.id, role) } });
  await appendTimeline(tx, { incidentId: incident.id, kind: "pager_triggered", actorId: null, at: now, data: { role, provider } });
  await scheduleDelivery(tx, alert.id, now);
  return true;
}

/** The role is held now (acknowledged or assigned in Slack): the pager shows it acknowledged. */
export async function acknowledgeRoleAlerts(tx: Transaction, incidentId: string, role: string, now: Date): Promise<void> {
  const alerts = await tx.pagerAlert.findMany({ where: { incidentId, role, state: "triggered" } });
  for (const alert of alerts) {
    await tx.pagerAlert.update({ where: { id: alert.id }, data: { state: "acknowledged", acknowledgedAt: now } });
    await scheduleDelivery(tx, alert.id, now);
  }
}

/** The incident is resolved: everything it opened on a pager is resolved there too. */
export async function resolveIncidentAlerts(tx: Transaction, incidentId: string, now: Date): Promise<void> {
  const alerts = await tx.pagerAlert.findMany({ where: { incidentId, state: { not: "resolved" } } });
  for (const alert of alerts) {
    await tx.pagerAlert.update({ where: { id: alert.id }, data: { state: "resolved", resolvedAt: now } });
    await scheduleDelivery(tx, alert.id, now);
  }
}

const stateOrder = ["triggered", "acknowledged", "resolved"] as const;
type AlertState = (typeof stateOrder)[number];

/** The calls that bring the provider from what it was told to what it should show. */
export function callsBetween(delivered: string | null, wanted: string): PagerAction[] {
  const from = delivered === null ? -1 : stateOrder.indexOf(delivered as AlertState);
  const to = stateOrder.indexOf(wanted as AlertState);
  // Never triggered and already over: nobody needs waking for it.
  if (from === -1 && wanted === "resolved") return [];
  const calls: PagerAction[] = [];
  if (from < 0 && to >= 0) calls.push("trigger");
  if (from < 1 && to === 1) calls.push("acknowledge");
  if (from < 2 && to === 2) calls.push("resolve");
  return calls;
}

const stateAfter: Record<PagerAction, AlertState> = { trigger: "triggered", acknowledge: "acknowledged", resolve: "resolved" };

const outageBackoffBaseMs = 5_000;
const outageBackoffMaxMs = 2 * 60_000;

export function createPagerDeliveryHandler(deps: PagerAlertDependencies): TimerHandler {
  return async (timer, { now }) => {
    const alert = await deps.prisma.pagerAlert.findUnique({ where: { id: String(timer.payload.alertId) } });
    if (!alert) return { kind: "done" };
    const client = deps.pagers[alert.provider as ExternalPager];
    if (!client) {
      deps.log.warn({ provider: alert.provider, dedupKey: alert.dedupKey }, "pager alert not sent: its provider is not configured");
      return { kind: "done" };
    }
    const incident = await deps.prisma.incident.findUnique({ where: { id: alert.incidentId } });
    if (!incident) return { kind: "done" };
    const facts = alertFacts(deps.playbook, incident, alert.role, alert.dedupKey);
    const calls = callsBetween(alert.deliveredState, alert.state);
    try {
      for (const action of calls) {
        await client.send(action, facts);
        // Each step is recorded as it succeeds: a crash after a trigger does not trigger again.
        await deps.prisma.pagerAlert.update({ where: { id: alert.id }, data: { deliveredState: stateAfter[action] } });
      }
    } catch (error) {
      if (!(error instanceof PagerUnavailableError)) throw error;
      const retries = Number(timer.payload.outageRetries ?? 0);
      const backoff = Math.min(outageBackoffBaseMs * 2 ** retries, outageBackoffMaxMs);
      const at = new Date(now.getTime() + Math.max(backoff, (error.retryAfterSeconds ?? 0) * 1000));
      deps.log.warn({ provider: alert.provider, retries, retryAt: at, reason: error.message }, "pager unavailable; the call stays queued");
      return { kind: "reschedule", at, payload: { alertId: alert.id, outageRetries: retries + 1 } };
    }
    if (calls.length === 0 && alert.deliveredState === null && alert.state === "resolved") {
      await deps.prisma.pagerAlert.update({ where: { id: alert.id }, data: { deliveredState: "resolved" } });
    }
    return { kind: "done" };
  };
}

const severityOf: Record<string, PagerAlertFacts["severity"]> = { SEV1: "critical", SEV2: "error", SEV3: "warning" };
const priorityOf: Record<string, PagerAlertFacts["priority"]> = { SEV1: "P1", SEV2: "P2", SEV3: "P3", SEV4: "P4" };

function alertFacts(
  playbook: Playbook,
  incident: { number: number; title: string; severity: string; isPrivate: boolean; channelId: string | null },
  role: string,
  dedupKey: string,
): PagerAlertFacts {
  const key = incidentKey(incident.number);
  // A private incident's pager alert names no title: the pager's users are not all inside it.
  const what = incident.isPrivate ? `${key} (private incident)` : `${key}: ${incident.title}`;
  return {
    dedupKey,
    summary: truncate(`${what} · ${incident.severity} · ${roleLabel(playbook, role)} needed`, 1024),
    severity: severityOf[incident.severity] ?? "info",
    priority: priorityOf[incident.severity] ?? "P5",
    details: { incident: key, severity: incident.severity, role: roleLabel(playbook, role) },
    ...(incident.channelId
      ? { link: { href: `https://slack.com/app_redirect?channel=${incident.channelId}`, text: `${key} in Slack` } }
      : {}),
  };
}

export interface PagerReport {
  kind: "acknowledged" | "resolved";
  dedupKey: string;
  /** The person's name on the pager, for people to read. */
  by: string | null;
  /** The person's id on the pager (PagerDuty user id, Opsgenie username): the key of `pagerUsers`. */
  byId: string | null;
  remoteId: string | null;
}

/**
 * What a pager's webhook says happened, applied once: an alert already past
 * that state, or of a resolved incident, or not ours, changes nothing.
 * Returns what it did, for the webhook's answer and the logs.
 */
export async function applyPagerReport(
  tx: Transaction,
  deps: Pick<PagerAlertDependencies, "playbook"> & { events: IncidentEvents },
  provider: ExternalPager,
  report: PagerReport,
  now: Date,
): Promise<"applied" | "ignored"> {
  const alert = await tx.pagerAlert.findUnique({ where: { dedupKey: report.dedupKey } });
  if (!alert || alert.provider !== provider) return "ignored";
  const incident = await tx.incident.findUnique({ where: { id: alert.incidentId } });
  if (!incident || incident.status === "resolved") return "ignored";
  const wanted = report.kind === "acknowledged" ? "acknowledged" : "resolved";
  if (stateOrder.indexOf(alert.state as AlertState) >= stateOrder.indexOf(wanted)) return "ignored";
  const claimed = await tx.pagerAlert.updateMany({
    where: { id: alert.id, state: alert.state },
    data: {
      state: wanted,
      // The provider already shows it: nothing to send back.
      deliveredState: wanted,
      remoteId: report.remoteId ?? alert.remoteId,
      ...(wanted === "acknowledged"
        ? { acknowledgedAt: now, acknowledgedBy: report.by }
        : { resolvedAt: now, ...(alert.acknowledgedAt ? {} : { acknowledgedBy: report.by }) }),
    },
  });
  if (claimed.count === 0) return "ignored";
  if (alert.state === "triggered") await stopRoleEscalation(tx, incident.id, alert.role, now);
  // A pager user the playbook knows as a Slack user takes the role, as if they had pressed Acknowledge in Slack.
  const slackUser = report.byId ? deps.playbook.pagerUsers[report.byId] : undefined;
  if (wanted === "acknowledged" && slackUser) {
    await tx.page.updateMany({
      where: { incidentId: incident.id, role: alert.role, userId: slackUser, state: { in: ["open", "superseded"] } },
      data: { state: "acknowledged", acknowledgedAt: now },
    });
    const withRoles = (await tx.incident.findUnique({ where: { id: incident.id }, include: { roles: true } }))!;
    if (!withRoles.roles.some((held) => held.role === alert.role)) {
      await seatRole(tx, deps.events, { incident: withRoles, role: alert.role, userId: slackUser, assignedBy: null, at: now });
    }
  }
  await appendTimeline(tx, {
    incidentId: incident.id,
    kind: wanted === "acknowledged" ? "pager_acknowledged" : "pager_resolved",
    actorId: null,
    at: now,
    data: { role: alert.role, provider, by: report.by },
  });
  if (incident.channelId) {
    const label = roleLabel(deps.playbook, alert.role);
    const who = report.by ? ` by ${escapeMrkdwn(truncate(report.by, 80))}` : "";
    const name = provider === "pagerduty" ? "PagerDuty" : "Opsgenie";
    await enqueueSlackPost(
      tx,
      {
        key: `pager-report:${alert.id}:${wanted}`,
        channelId: incident.channelId,
        message: {
          text:
            wanted === "acknowledged"
              ? `✅ The ${label} page was acknowledged in ${name}${who}${slackUser ? ` (${mentionUser(slackUser)}, who takes the role)` : ""}. The bot stopped escalating it${slackUser ? "" : "; `/incident role` seats whoever takes the role"}.`
              : `☑️ The ${label} alert was resolved in ${name}${who}. The incident stays open until someone resolves it here.`,
        },
        incidentId: incident.id,
      },
      now,
    );
  }
  return "applied";
}

/** As a Slack acknowledgement does: the role's open pages are superseded and its escalation stops. */
async function stopRoleEscalation(tx: Transaction, incidentId: string, role: string, now: Date): Promise<void> {
  await tx.page.updateMany({ where: { incidentId, role, state: "open" }, data: { state: "superseded" } });
  await cancelTimer(tx, escalationKey(incidentId, role), now);
  await tx.incident.updateMany({ where: { id: incidentId, acknowledgedAt: null }, data: { acknowledgedAt: now } });
}
