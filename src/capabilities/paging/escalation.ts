import type { Playbook } from "../../core/config/playbook.ts";
import { err, ok, type Result } from "../../core/result.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { type IncidentRepository, type IncidentWithRoles, isUuid } from "../../domain/incidents/repository.ts";
import { incidentKey } from "../../domain/incidents/rules.ts";
import type { IncidentEvents } from "../../domain/incidents/events.ts";
import { assignRole as seatRole } from "../../domain/incidents/roles.ts";
import { appendTimeline } from "../../domain/incidents/timeline.ts";
import { cancelTimer, findTimer, scheduleTimer, scheduleTimerOnce } from "../../core/scheduler/timers.ts";
import type { TimerHandler, Transaction } from "../../core/scheduler/types.ts";
import type { Clock } from "../../core/clock.ts";
import type { Metrics } from "../../core/metrics/metrics.ts";
import type { SlackGateway } from "../../adapters/slack/gateway.ts";
import { enqueueDirectMessage, enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import { resolveTargets } from "../../domain/oncall/targets.ts";
import { escalationKey } from "./escalation-keys.ts";
import { type ExternalPager, openPagerAlert, type PagerAlertDependencies, pagerFor } from "./pager-alerts.ts";
import {
  renderAcknowledgedNote,
  renderFallbackAlert,
  renderPage,
  renderPagedNote,
  roleLabel,
} from "./views.ts";

/**
 * Paging and escalation. Paging a role starts one durable `page.escalate`
 * timer per incident and role (key `escalation:<incident>:<role>`): each run
 * pages the next level's targets and reschedules itself after that level's
 * delay. After the last level the policy repeats `repeat` times, then alerts
 * the incident channel. Anyone who acknowledges takes the role, which stops
 * the timer. Because the timer key is unique, a role is paged once per
 * incident however often paging is asked for; and a person is paged at most
 * once per role (the `pages` row is unique per incident, role and person).
 */

export const escalationKind = "page.escalate";

export interface PagingDependencies {
  prisma: PrismaClient;
  incidents: IncidentRepository;
  playbook: Playbook;
  clock: Clock;
  /** Role assignments are published on it; its transactions wake the timer engine after the commit. */
  events: IncidentEvents;
  /** Pages sent, acknowledged and escalated are counted once committed. */
  metrics: Pick<Metrics, "pages">;
}

export { escalationKey } from "./escalation-keys.ts";

/**
 * Starts paging `role` inside the caller's transaction, unless it is held or
 * already being paged. Returns whether paging started.
 */
export async function startPaging(
  tx: Transaction,
  incident: { id: string; roles: { role: string }[] },
  role: string,
  now: Date,
  options: { restart?: boolean } = {},
): Promise<boolean> {
  if (incident.roles.some((assignment) => assignment.role === role)) return false;
  const spec = {
    kind: escalationKind,
    key: escalationKey(incident.id, role),
    dueAt: now,
    payload: { incidentId: incident.id, role, level: 0, round: 0 },
  };
  if (!options.restart) return scheduleTimerOnce(tx, spec, now);
  const existing = await findTimer(tx, spec.key);
  if (existing && (existing.state === "pending" || existing.state === "running")) return false;
  await scheduleTimer(tx, spec, now);
  return true;
}

/** Roles the severity asks for that the incident has not got: paged on declare and on a severity change. */
export function rolesToPage(
  playbook: Playbook,
  severity: string,
  previousSeverity?: string,
): string[] {
  const wanted = playbook.severities[severity]?.page ?? [];
  const before = previousSeverity ? (playbook.severities[previousSeverity]?.page ?? []) : [];
  return wanted.filter((role) => !before.includes(role));
}

export function createEscalationHandler(
  deps: PagingDependencies & {
    slack: Pick<SlackGateway, "userGroupMembers">;
    /** Configured pagers beyond Slack; a level that names one without its key pages by Slack only. */
    pagers: PagerAlertDependencies["pagers"];
  },
): TimerHandler {
  const { playbook } = deps;
  return async (timer, { now }) => {
    const { incidentId, role } = timer.payload as { incidentId: string; role: string };
    let level = Number(timer.payload.level ?? 0);
    let round = Number(timer.payload.round ?? 0);
    const incident = await deps.incidents.findById(incidentId);
    if (
      !incident ||
      incident.status === "resolved" ||
      incident.roles.some((r) => r.role === role)
    ) {
      return { kind: "done" };
    }
    const policyName = playbook.roles[role]?.escalation;
    const policy = policyName ? playbook.escalationPolicies[policyName] : undefined;
    if (!policy) return { kind: "done" };
    if (level >= policy.levels.length) {
      level = 0;
      round += 1;
    }
    if (round > policy.repeat) {
      return {
        kind: "done",
        effects: async (tx) => {
          await appendTimeline(tx, {
            incidentId: incident.id,
            kind: "escalated",
            actorId: null,
            at: now,
            data: { role, fallback: policy.fallback },
          });
          if (policy.fallback === "channel" && incident.channelId) {
            await enqueueSlackPost(
              tx,
              {
                key: `page-fallback:${incident.id}:${role}:${timer.dueAt.getTime()}`,
                channelId: incident.channelId,
                message: renderFallbackAlert(role, playbook),
                incidentId: incident.id,
              },
              now,
            );
          }
        },
      };
    }
    const currentLevel = policy.levels[level]!;
    const people = await resolveTargets(currentLevel.targets, playbook, now, deps.slack);
    let paged = 0;
    return {
      kind: "reschedule",
      at: new Date(now.getTime() + currentLevel.delayMinutes * 60_000),
      payload: { incidentId, role, level: level + 1, round },
      effects: async (tx) => {
        paged = await pagePeople(tx, incident, role, people, { level, round, now, playbook });
        const pager = pagerFor(playbook, role, level);
        if (pager !== "slack" && deps.pagers[pager]) await openPagerAlert(tx, incident, role, pager as ExternalPager, now);
      },
      afterCommit: () => countPages(deps.metrics, paged, level > 0 || round > 0),
    };
  };
}

/** Creates or renews the page rows and sends the DMs and the channel note. */
async function pagePeople(
  tx: Transaction,
  incident: IncidentWithRoles,
  role: string,
  people: string[],
  context: {
    level: number;
    round: number;
    now: Date;
    playbook: Playbook;
    message?: string;
    pagedBy?: string;
  },
): Promise<number> {
  const { level, round, now, playbook } = context;
  const paged: string[] = [];
  for (const userId of people) {
    const existing = await tx.page.findUnique({
      where: { incidentId_role_userId: { incidentId: incident.id, role, userId } },
    });
    // Acknowledged or superseded pages are final; within one round a person
    // is paged once even if several levels name them.
    if (existing && (existing.state !== "open" || existing.round === round)) continue;
    const page = existing
      ? await tx.page.update({
          where: { id: existing.id },
          data: { level, round, lastPagedAt: now },
        })
      : await tx.page.create({
          data: {
            incidentId: incident.id,
            role,
            userId,
            level,
            round,
            createdAt: now,
            lastPagedAt: now,
            message: context.message ?? null,
            pagedBy: context.pagedBy ?? null,
          },
        });
    await enqueueDirectMessage(
      tx,
      { key: `page:${page.id}:${round}:${level}`, userId, message: renderPage(incident, page, playbook), incidentId: incident.id },
      now,
    );
    paged.push(userId);
  }
  if (paged.length === 0) return 0;
  await appendTimeline(tx, {
    incidentId: incident.id,
    kind: level === 0 && round === 0 ? "paged" : "escalated",
    actorId: context.pagedBy ?? null,
    at: now,
    data: { role, users: paged, level, round },
  });
  if (incident.channelId) {
    await enqueueSlackPost(
      tx,
      {
        key: `page-note:${incident.id}:${role}:${paged.join(",")}:${round}:${level}`,
        channelId: incident.channelId,
        message: renderPagedNote(role, paged, level, round, playbook),
        incidentId: incident.id,
      },
      now,
    );
  }
  return paged.length;
}

function countPages(metrics: Pick<Metrics, "pages">, paged: number, escalation: boolean): void {
  if (paged === 0) return;
  metrics.pages.sent.inc(paged);
  if (escalation) metrics.pages.escalated.inc();
}

/** `/incident page <role>`: (re)starts the role's escalation unless it is running or held. */
export async function pageRole(
  deps: PagingDependencies,
  incident: IncidentWithRoles,
  role: string,
): Promise<Result<string>> {
  const label = roleLabel(deps.playbook, role);
  const holder = incident.roles.find((assignment) => assignment.role === role);
  if (holder)
    return err(`<@${holder.userId}> is already the ${label} of ${incidentKey(incident.number)}.`);
  if (!deps.playbook.roles[role]?.escalation) {
    return {
      ok: false,
      error: `The playbook gives ${label} no escalation policy, so there is nobody to page. Page a person instead: \`/incident page @someone\`.`,
    };
  }
  const now = deps.clock.now();
  const started = await deps.events.transaction((tx) =>
    startPaging(tx, incident, role, now, { restart: true }),
  );
  if (!started)
    return err(`${label} is already being paged for ${incidentKey(incident.number)}.`);
  return ok(`Paging the ${label} for ${incidentKey(incident.number)}.`);
}

/** `/incident page @user [message]`: one page, no escalation, deduplicated per person. */
export async function pagePerson(
  deps: PagingDependencies,
  incident: IncidentWithRoles,
  userId: string,
  message: string,
  pagedBy: string,
): Promise<Result<string>> {
  const now = deps.clock.now();
  const existing = await deps.prisma.page.findUnique({
    where: { incidentId_role_userId: { incidentId: incident.id, role: "", userId } },
  });
  if (existing) {
    return err(`<@${userId}> was already paged for ${incidentKey(incident.number)}${existing.state === "acknowledged" ? " and acknowledged" : ""}.`);
  }
  const paged = await deps.events.transaction((tx) =>
    pagePeople(tx, incident, "", [userId], {
      level: 0,
      round: 0,
      now,
      playbook: deps.playbook,
      message: message || undefined,
      pagedBy,
    }),
  );
  countPages(deps.metrics, paged, false);
  return ok(`Paged <@${userId}> for ${incidentKey(incident.number)}.`);
}

/**
 * The first person to acknowledge takes the role: the page is marked,
 * everyone else's page for that role is superseded, the escalation stops,
 * and the role is assigned — one transaction.
 */
export async function acknowledgePage(
  deps: PagingDependencies,
  pageId: string,
  userId: string,
): Promise<Result<{ incident: IncidentWithRoles; role: string }>> {
  const page = isUuid(pageId) ? await deps.prisma.page.findUnique({ where: { id: pageId } }) : null;
  if (!page) return err("That page no longer exists.");
  if (page.userId !== userId) return err(`This page is for <@${page.userId}>.`);
  if (page.state === "acknowledged")
    return err("You already acknowledged this page.");
  const incident = (await deps.incidents.findById(page.incidentId))!;
  const label = page.role ? roleLabel(deps.playbook, page.role) : "";
  const holder = page.role
    ? incident.roles.find((assignment) => assignment.role === page.role)
    : undefined;
  if (holder && holder.userId !== userId) {
    await deps.prisma.page.update({ where: { id: page.id }, data: { state: "superseded" } });
    return err(`<@${holder.userId}> already took ${label} for ${incidentKey(incident.number)}; no need to act.`);
  }
  const now = deps.clock.now();
  const acknowledged = await deps.events.transaction(async (tx) => {
    const claimed = await tx.page.updateMany({
      where: { id: page.id, state: "open" },
      data: { state: "acknowledged", acknowledgedAt: now },
    });
    if (claimed.count === 0) return false;
    if (page.role) {
      await tx.page.updateMany({
        where: { incidentId: incident.id, role: page.role, state: "open", id: { not: page.id } },
        data: { state: "superseded" },
      });
      await cancelTimer(tx, escalationKey(incident.id, page.role), now);
    }
    await tx.incident.updateMany({
      where: { id: incident.id, acknowledgedAt: null },
      data: { acknowledgedAt: now },
    });
    await appendTimeline(tx, {
      incidentId: incident.id,
      kind: "acknowledged",
      actorId: userId,
      at: now,
      data: { role: page.role, pageId: page.id, level: page.level, round: page.round },
    });
    if (page.role) {
      await seatRole(tx, deps.events, { incident, role: page.role, userId, assignedBy: null, at: now });
    }
    if (incident.channelId) {
      await enqueueSlackPost(
        tx,
        {
          key: `ack:${page.id}`,
          channelId: incident.channelId,
          message: renderAcknowledgedNote(userId, page.role, deps.playbook),
          incidentId: incident.id,
        },
        now,
      );
    }
    return true;
  });
  if (acknowledged) deps.metrics.pages.acknowledged.inc();
  return ok({ incident: (await deps.incidents.findById(incident.id))!, role: page.role });
}

/** `/incident role <role> @user`: assigns directly and stops any paging for it. */
export async function assignRole(
  deps: PagingDependencies,
  incident: IncidentWithRoles,
  role: string,
  userId: string,
  assignedBy: string,
): Promise<Result<string>> {
  const label = roleLabel(deps.playbook, role);
  if (
    incident.roles.some((assignment) => assignment.role === role && assignment.userId === userId)
  ) {
    return err(`<@${userId}> is already the ${label}.`);
  }
  const now = deps.clock.now();
  await deps.events.transaction(async (tx) => {
    await tx.page.updateMany({
      where: { incidentId: incident.id, role, state: "open" },
      data: { state: "superseded" },
    });
    await cancelTimer(tx, escalationKey(incident.id, role), now);
    await seatRole(tx, deps.events, { incident, role, userId, assignedBy, at: now });
    if (incident.channelId) {
      await enqueueSlackPost(
        tx,
        {
          key: `role:${incident.id}:${role}:${userId}:${now.getTime()}`,
          channelId: incident.channelId,
          message: { text: `<@${assignedBy}> made <@${userId}> the *${label}*.` },
          incidentId: incident.id,
        },
        now,
      );
    }
  });
  return ok(`<@${userId}> is now the ${label} of ${incidentKey(incident.number)}.`);
}
