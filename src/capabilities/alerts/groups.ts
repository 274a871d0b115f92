import type { Clock } from "../../core/clock.ts";
import type { Playbook } from "../../core/config/playbook.ts";
import type { Logger } from "../../core/logging.ts";
import { scheduleTimer } from "../../core/scheduler/timers.ts";
import type { TimerHandler, Transaction } from "../../core/scheduler/types.ts";
import type { IncidentEvents } from "../../domain/incidents/events.ts";
import type { Incident, IncidentRepository } from "../../domain/incidents/repository.ts";
import { completeDeclarationKey, completeDeclarationKind } from "../../domain/incidents/declaration.ts";
import { incidentKey } from "../../domain/incidents/rules.ts";
import { appendTimeline } from "../../domain/incidents/timeline.ts";
import { monitorActor } from "../../domain/incidents/actors.ts";
import { resolveTargets } from "../../domain/oncall/targets.ts";
import type { AlertGroup, PrismaClient } from "../../generated/prisma/client.ts";
import type { SlackGateway } from "../../adapters/slack/gateway.ts";
import { enqueueDirectMessage, enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import { err, ok, type Result } from "../../core/result.ts";
import { scheduleTriageRefresh, triagePostKey } from "./intake.ts";
import { renderAttachedNote, renderTriageMessage, renderTriagePage, type TriageFacts } from "./views.ts";

/**
 * What becomes of a new alert group (the `alerts.open_group` timer), and the
 * triage message's life: refreshed as notifications arrive, and decided by a
 * person with Declare, Dismiss or Snooze.
 *
 * Every decision claims the group with a conditional update (`state` must
 * still be one that waits for a decision), so two people pressing Declare at
 * once, or a button racing the timer, decide once.
 */

export const snoozeEndKind = "alerts.snooze_end";

export interface AlertsDependencies {
  prisma: PrismaClient;
  playbook: Playbook;
  clock: Clock;
  log: Logger;
  incidents: IncidentRepository;
  events: IncidentEvents;
  /** For timer handlers: no in-process retries (the timer retries). */
  deliverySlack: SlackGateway;
  /** The triage channel's id (resolved once), or undefined when neither it nor an announcement channel is set. */
  triageChannel(): Promise<string | undefined>;
}

const undecided = ["pending", "triage", "snoozed"];

export function createOpenGroupHandler(deps: AlertsDependencies): TimerHandler {
  return async (timer, { now }) => {
    const group = await deps.prisma.alertGroup.findUnique({ where: { id: String(timer.payload.groupId) } });
    if (!group || group.state !== "pending" || group.closedAt) return { kind: "done" };
    const open = await openIncidentFor(deps, group.components);
    if (open) {
      return { kind: "done", effects: (tx) => attachToIncident(tx, group, open, now) };
    }
    if (group.action === "declare") {
      const declared = await declareFromGroup(deps, group, monitorActor(group.source));
      if (declared.ok) {
        deps.log.info({ group: group.id, incident: incidentKey(declared.value.number) }, "alert group declared an incident");
      }
      return { kind: "done" };
    }
    const channelId = await deps.triageChannel();
    if (!channelId) {
      deps.log.warn({ group: group.id }, "alert group not triaged: no triage or announcement channel is set");
      return { kind: "done" };
    }
    const oncall = await oncallFor(deps, group.route, now);
    return {
      kind: "done",
      effects: async (tx) => {
        const claimed = await tx.alertGroup.updateMany({
          where: { id: group.id, state: "pending" },
          data: { state: "triage", triageChannelId: channelId, oncall },
        });
        if (claimed.count === 0) return;
        const fresh = (await tx.alertGroup.findUnique({ where: { id: group.id } }))!;
        await enqueueSlackPost(
          tx,
          { key: triagePostKey(group.id), channelId, message: renderTriageMessage(await triageFacts(tx, fresh)) },
          now,
        );
        await pageOncall(tx, fresh, channelId, oncall, "first", now);
      },
    };
  };
}

/** Level 1 of the route's escalation policy, or nobody when the route names none. */
async function oncallFor(deps: AlertsDependencies, routeName: string, now: Date): Promise<string[]> {
  const route = deps.playbook.alerts.routes.find((candidate, index) => (candidate.name ?? `routes[${index}]`) === routeName);
  const policy = route?.escalation ? deps.playbook.escalationPolicies[route.escalation] : undefined;
  const level = policy?.levels[0];
  return level ? resolveTargets(level.targets, deps.playbook, now, deps.deliverySlack) : [];
}

async function pageOncall(tx: Transaction, group: AlertGroup, channelId: string, oncall: string[], round: string, now: Date) {
  for (const userId of oncall) {
    await enqueueDirectMessage(
      tx,
      { key: `alert-triage-page:${group.id}:${round}:${userId}`, userId, message: renderTriagePage({ title: group.title, source: group.source, channelId }) },
      now,
    );
  }
}

/**
 * An open incident on one of these components (by the playbook's component
 * id or name), the most recently declared; none when the group names no
 * components.
 */
async function openIncidentFor(deps: AlertsDependencies, components: string[]): Promise<Incident | undefined> {
  if (components.length === 0) return undefined;
  const wanted = new Set(components.map((id) => id.toLowerCase()));
  const idOf = new Map<string, string>();
  for (const component of deps.playbook.components) {
    idOf.set(component.id.toLowerCase(), component.id.toLowerCase());
    idOf.set(component.name.toLowerCase(), component.id.toLowerCase());
  }
  const open = await deps.prisma.incident.findMany({
    where: { status: { not: "resolved" }, phase: { in: ["declaring", "active"] } },
    orderBy: { declaredAt: "desc" },
  });
  return open.find((incident) =>
    incident.components.some((name) => wanted.has(idOf.get(name.toLowerCase()) ?? name.toLowerCase())),
  );
}

async function attachToIncident(tx: Transaction, group: AlertGroup, incident: Incident, now: Date): Promise<void> {
  const claimed = await tx.alertGroup.updateMany({
    where: { id: group.id, state: { in: undecided } },
    data: { state: "attached", incidentId: incident.id },
  });
  if (claimed.count === 0) return;
  await appendTimeline(tx, {
    incidentId: incident.id,
    kind: "alert_attached",
    actorId: null,
    at: now,
    data: { source: group.source, title: group.title, alerts: group.firingAlerts, groupId: group.id },
  });
  if (incident.channelId) {
    await enqueueSlackPost(
      tx,
      {
        key: `alert-attached:${group.id}`,
        channelId: incident.channelId,
        message: renderAttachedNote({ source: group.source, title: group.title, firing: group.firingAlerts }),
        incidentId: incident.id,
      },
      now,
    );
  }
}

/**
 * Declares the group's incident: the incident row and the group's claim on
 * it commit together, with the timer that finishes the declaration (channel,
 * announcement, pages). A group someone else decided meanwhile declares
 * nothing.
 */
export async function declareFromGroup(
  deps: AlertsDependencies,
  group: AlertGroup,
  declaredBy: string,
): Promise<Result<Incident>> {
  const now = deps.clock.now();
  const summary = summaryOf(group);
  try {
    const incident = await deps.incidents.createDeclaring(
      {
        title: group.title.slice(0, 150),
        severity: group.severity,
        summary,
        components: group.components,
        customerImpact: false,
        isPrivate: group.isPrivate,
        declaredBy,
      },
      now,
      {
        within: async (tx, created) => {
          const claimed = await tx.alertGroup.updateMany({
            where: { id: group.id, state: { in: undecided } },
            data: { state: "declared", incidentId: created.id, decidedBy: declaredBy },
          });
          if (claimed.count === 0) throw new AlreadyDecided();
          await scheduleTimer(
            tx,
            { kind: completeDeclarationKind, key: completeDeclarationKey(created.id), dueAt: now, payload: { incidentId: created.id } },
            now,
          );
          if (group.triageChannelId) await scheduleTriageRefresh(tx, group.id, now, 0);
        },
      },
    );
    return ok(incident);
  } catch (error) {
    if (error instanceof AlreadyDecided) return err("Someone already decided this alert.");
    throw error;
  }
}

class AlreadyDecided extends Error {
  constructor() {
    super("the alert group was decided by someone else");
  }
}

function summaryOf(group: AlertGroup): string {
  const labels = Object.entries((group.labels ?? {}) as Record<string, string>)
    .slice(0, 10)
    .map(([name, value]) => `${name}=${value}`)
    .join(", ");
  return `Opened from an alert (${group.source}, route ${group.route}). ${group.firingAlerts} alert(s) firing.${labels ? ` Labels: ${labels}.` : ""}`.slice(0, 2_000);
}

export async function dismissGroup(deps: AlertsDependencies, group: AlertGroup, userId: string): Promise<Result<string>> {
  const now = deps.clock.now();
  const done = await deps.events.transaction(async (tx) => {
    const claimed = await tx.alertGroup.updateMany({
      where: { id: group.id, state: { in: undecided } },
      data: { state: "dismissed", decidedBy: userId },
    });
    if (claimed.count === 0) return false;
    // Dismissed and already resolved: over. Still firing: it keeps absorbing this episode's notifications.
    await tx.alertGroup.updateMany({ where: { id: group.id, status: "resolved" }, data: { closedAt: now } });
    await scheduleTriageRefresh(tx, group.id, now, 0);
    return true;
  });
  return done ? ok("Dismissed. Nobody is paged; the message says who dismissed it.") : err("Someone already decided this alert.");
}

export async function snoozeGroup(deps: AlertsDependencies, group: AlertGroup, userId: string): Promise<Result<string>> {
  const now = deps.clock.now();
  const until = new Date(now.getTime() + deps.playbook.alerts.snoozeMinutes * 60_000);
  const done = await deps.events.transaction(async (tx) => {
    const claimed = await tx.alertGroup.updateMany({
      where: { id: group.id, state: { in: ["triage", "snoozed"] } },
      data: { state: "snoozed", decidedBy: userId, snoozedUntil: until },
    });
    if (claimed.count === 0) return false;
    await scheduleTimer(tx, { kind: snoozeEndKind, key: `alert-snooze:${group.id}`, dueAt: until, payload: { groupId: group.id } }, now);
    await scheduleTriageRefresh(tx, group.id, now, 0);
    return true;
  });
  return done
    ? ok(`Snoozed for ${deps.playbook.alerts.snoozeMinutes} minutes. If it still fires then, the on-call is paged again.`)
    : err("Someone already decided this alert.");
}

/** A snooze ends: still firing pages the on-call again; resolved meanwhile closes the group. */
export function createSnoozeEndHandler(deps: AlertsDependencies): TimerHandler {
  return async (timer, { now }) => {
    const group = await deps.prisma.alertGroup.findUnique({ where: { id: String(timer.payload.groupId) } });
    if (!group || group.state !== "snoozed" || group.closedAt) return { kind: "done" };
    return {
      kind: "done",
      effects: async (tx) => {
        if (group.status === "resolved") {
          await tx.alertGroup.updateMany({ where: { id: group.id, state: "snoozed" }, data: { state: "dismissed", closedAt: now } });
        } else {
          await tx.alertGroup.updateMany({ where: { id: group.id, state: "snoozed" }, data: { state: "triage", snoozedUntil: null } });
          if (group.triageChannelId) {
            await pageOncall(tx, group, group.triageChannelId, group.oncall, `snooze-${timer.dueAt.getTime()}`, now);
          }
        }
        await scheduleTriageRefresh(tx, group.id, now, 0);
      },
    };
  };
}

/** Rewrites the triage message with the group's counters and decision (chat.update is idempotent). */
export function createRefreshTriageHandler(deps: AlertsDependencies): TimerHandler {
  return async (timer, { now }) => {
    const group = await deps.prisma.alertGroup.findUnique({ where: { id: String(timer.payload.groupId) } });
    if (!group?.triageChannelId) return { kind: "done" };
    const post = await deps.prisma.slackPost.findUnique({ where: { key: triagePostKey(group.id) } });
    if (!post) return { kind: "done" };
    // The message itself is still in the outbox: refresh once it has its ts.
    if (!post.ts) return { kind: "defer", at: new Date(now.getTime() + 1_000) };
    const facts = await triageFacts(deps.prisma, group);
    await deps.deliverySlack.updateMessage(post.channelId, post.ts, renderTriageMessage(facts));
    return { kind: "done" };
  };
}

async function triageFacts(db: Pick<Transaction, "incident">, group: AlertGroup): Promise<TriageFacts> {
  const incident = group.incidentId
    ? await db.incident.findUnique({ where: { id: group.incidentId }, select: { number: true, channelId: true } })
    : null;
  return {
    id: group.id,
    source: group.source,
    title: group.title,
    severity: group.severity,
    route: group.route,
    team: group.team,
    components: group.components,
    labels: (group.labels ?? {}) as Record<string, string>,
    externalUrl: group.externalUrl,
    state: group.state,
    status: group.status,
    notifications: group.notifications,
    firingAlerts: group.firingAlerts,
    snoozedUntil: group.snoozedUntil,
    decidedBy: group.decidedBy,
    oncall: group.oncall,
    ...(incident ? { incidentKey: incidentKey(incident.number), incidentChannelId: incident.channelId } : {}),
  };
}

/** Closes the groups of a resolved incident: the same alert firing later opens a new group. */
export async function closeGroupsOf(tx: Transaction, incidentId: string, now: Date): Promise<void> {
  await tx.alertGroup.updateMany({ where: { incidentId, closedAt: null }, data: { closedAt: now } });
}
