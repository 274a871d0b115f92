import { startChecklists } from "../checklists/checklists.ts";
import type { Playbook } from "../../core/config/playbook.ts";
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import { rolesToPage, startPaging } from "../paging/escalation.ts";
import { firstReminderAt, retimedReminderAt, updateReminderKey } from "../reminders/schedule.ts";
import { cancelTimer, scheduleTimer, scheduleTimerOnce } from "../../core/scheduler/timers.ts";
import type { Transaction } from "../../core/scheduler/types.ts";
import type { Clock } from "../../core/clock.ts";
import type { SlackMessage } from "../../adapters/slack/gateway.ts";
import { enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import { completeDeclarationDelayMs, completeDeclarationKind } from "./declare.ts";
import { decideTransition } from "../../domain/incidents/lifecycle.ts";
import type { Incident, IncidentRepository, IncidentWithRoles } from "../../domain/incidents/repository.ts";
import type { IncidentStatus } from "../../domain/incidents/rules.ts";
import type { TimelineKind } from "../../domain/incidents/timeline.ts";
import {
  renderReopened,
  renderResolved,
  renderSeverityChanged,
  renderStatusUpdate,
} from "./views.ts";

/**
 * Status updates, resolve, reopen and severity changes. Each one is a single
 * transaction: the incident row, its timeline event, its reminder timer and
 * the Slack posts it causes (through the outbox) commit together or not at
 * all. Delivery to Slack follows within a tick, and survives Slack outages
 * and restarts.
 */

export const refreshSurfacesKind = "incident.refresh";
export const updateReminderKind = "update.reminder";

export interface StatusDependencies {
  prisma: PrismaClient;
  incidents: IncidentRepository;
  playbook: Playbook;
  clock: Clock;
  /** Nudges the timer engine so outbox posts go out now, not at the next tick. */
  wake(): void;
  /**
   * Called after each committed change to an incident, with its id (the
   * status page rebuilds; the App Homes of its role holders are republished).
   */
  onChange?(incidentId: string): void;
  /**
   * Other capabilities' reactions, run inside the same transaction (customer
   * notices: the approval deadline on activation, the "resolved" draft).
   */
  hooks?: {
    activated?(tx: Transaction, incident: IncidentWithRoles, now: Date): Promise<void>;
    resolved?(tx: Transaction, incident: IncidentWithRoles, actorId: string, now: Date): Promise<void>;
  };
}

export type ChangeResult = { ok: true; incident: IncidentWithRoles } | { ok: false; error: string };

export type StatusChange =
  | { type: "update"; status: IncidentStatus; message: string; isPublic: boolean }
  | { type: "resolve"; summary: string }
  | { type: "reopen" };

/**
 * The last step of a declaration: the incident becomes active and its update
 * reminder starts counting from the declaration.
 */
export async function activateIncident(
  deps: StatusDependencies,
  declared: Incident,
): Promise<void> {
  const now = deps.clock.now();
  const incident = (await deps.incidents.findById(declared.id))!;
  const reminderAt = firstReminderAt(
    incident.declaredAt,
    cadenceFor(deps.playbook, incident.severity),
  );
  await deps.prisma.$transaction(async (tx) => {
    await tx.incident.update({ where: { id: incident.id }, data: { phase: "active" } });
    // Steps 2 and 3 of the flowchart: page whom the severity needs, and give
    // each team its checklist.
    for (const role of rolesToPage(deps.playbook, incident.severity)) {
      await startPaging(tx, incident, role, now);
    }
    await startChecklists(tx, incident, deps.playbook, now);
    await deps.hooks?.activated?.(tx, incident, now);
    if (reminderAt) {
      await scheduleTimerOnce(
        tx,
        {
          kind: updateReminderKind,
          key: updateReminderKey(incident.id),
          dueAt: reminderAt,
          payload: { incidentId: incident.id },
        },
        now,
      );
    }
  });
  deps.wake();
  deps.onChange?.(incident.id);
}

export async function scheduleDeclarationRetry(
  deps: StatusDependencies,
  incident: Incident,
): Promise<void> {
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    await scheduleTimer(
      tx,
      {
        kind: completeDeclarationKind,
        key: `complete-declaration:${incident.id}`,
        dueAt: new Date(now.getTime() + completeDeclarationDelayMs),
        payload: { incidentId: incident.id },
      },
      now,
    );
  });
}

export async function changeStatus(
  deps: StatusDependencies,
  incident: IncidentWithRoles,
  change: StatusChange,
  actorId: string,
): Promise<ChangeResult> {
  const decision = decideTransition(
    incident,
    change.type === "update" ? { type: "update", status: change.status } : { type: change.type },
  );
  if (!decision.ok) return decision;
  const now = deps.clock.now();
  const cadence = cadenceFor(deps.playbook, incident.severity);
  const summary = change.type === "resolve" ? change.summary : undefined;

  await deps.prisma.$transaction(async (tx) => {
    await tx.incident.update({
      where: { id: incident.id },
      data: {
        status: decision.status,
        lastUpdateAt: now,
        remindersSinceUpdate: 0,
        ...(decision.resolvedNow ? { resolvedAt: now, resolutionSummary: summary || null } : {}),
        ...(change.type === "reopen" ? { resolvedAt: null } : {}),
      },
    });
    const event = await addTimeline(tx, incident.id, decision.timeline, actorId, now, {
      from: incident.status,
      to: decision.status,
      ...(change.type === "update" ? { message: change.message, public: change.isPublic } : {}),
      ...(summary !== undefined ? { summary } : {}),
    });

    const reminderKey = updateReminderKey(incident.id);
    const reminderAt = firstReminderAt(now, cadence);
    if (decision.reminder === "stop" || !reminderAt) await cancelTimer(tx, reminderKey, now);
    else {
      await scheduleTimer(
        tx,
        {
          kind: updateReminderKind,
          key: reminderKey,
          dueAt: reminderAt,
          payload: { incidentId: incident.id },
        },
        now,
      );
    }

    const updated = { ...incident, status: decision.status };
    const message =
      change.type === "update"
        ? renderStatusUpdate(updated, {
            status: change.status,
            message: change.message,
            authorId: actorId,
            isPublic: change.isPublic,
          })
        : change.type === "resolve"
          ? renderResolved(updated, change.summary, actorId)
          : renderReopened(updated, actorId);
    await announce(tx, incident, `timeline:${event.id}`, message, now);
    await scheduleRefresh(tx, incident.id, now);
    if (decision.resolvedNow) {
      await deps.hooks?.resolved?.(
        tx,
        { ...updated, resolvedAt: now, resolutionSummary: summary || null },
        actorId,
        now,
      );
    }
  });
  deps.wake();
  deps.onChange?.(incident.id);
  return { ok: true, incident: (await deps.incidents.findById(incident.id))! };
}

export async function changeSeverity(
  deps: StatusDependencies,
  incident: IncidentWithRoles,
  severity: string,
  actorId: string,
): Promise<ChangeResult> {
  if (incident.severity === severity) {
    return { ok: false, error: `INC-${incident.number} is already ${severity}.` };
  }
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    await tx.incident.update({ where: { id: incident.id }, data: { severity } });
    const event = await addTimeline(tx, incident.id, "severity_changed", actorId, now, {
      from: incident.severity,
      to: severity,
    });
    // Raising severity pages the roles the new one adds; lowering never
    // un-pages anyone.
    for (const role of rolesToPage(deps.playbook, severity, incident.severity)) {
      await startPaging(tx, incident, role, now);
    }
    if (incident.status !== "resolved") {
      const reminderKey = updateReminderKey(incident.id);
      const at = retimedReminderAt(
        incident.lastUpdateAt ?? incident.declaredAt,
        cadenceFor(deps.playbook, severity),
        now,
      );
      if (at) {
        await scheduleTimer(
          tx,
          {
            kind: updateReminderKind,
            key: reminderKey,
            dueAt: at,
            payload: { incidentId: incident.id },
          },
          now,
        );
      } else {
        await cancelTimer(tx, reminderKey, now);
      }
    }
    const updated = { ...incident, severity };
    await announce(
      tx,
      incident,
      `timeline:${event.id}`,
      renderSeverityChanged(updated, incident.severity, actorId),
      now,
    );
    await scheduleRefresh(tx, incident.id, now);
  });
  deps.wake();
  deps.onChange?.(incident.id);
  return { ok: true, incident: (await deps.incidents.findById(incident.id))! };
}

export type SnoozeResult = { ok: true; dueAt: Date } | { ok: false; error: string };

/**
 * Puts the next update reminder off by `minutes`, without resetting the
 * count of unanswered ones. A snooze only ever postpones: a reminder already
 * due later stays where it is, and an incident without a pending reminder
 * (resolved, or a severity without a cadence) gets none.
 */
export async function snoozeReminder(
  deps: StatusDependencies,
  incident: IncidentWithRoles,
  minutes: number,
): Promise<SnoozeResult> {
  if (incident.status === "resolved")
    return {
      ok: false,
      error: `INC-${incident.number} is resolved; there is no reminder to snooze.`,
    };
  const now = deps.clock.now();
  const wanted = new Date(now.getTime() + minutes * 60_000);
  const key = updateReminderKey(incident.id);
  return deps.prisma.$transaction(async (tx): Promise<SnoozeResult> => {
    const [current] = await tx.$queryRaw<{ due_at: Date }[]>`
      SELECT due_at FROM timers WHERE key = ${key} AND state = 'pending' FOR UPDATE`;
    if (!current) return { ok: false, error: `INC-${incident.number} has no update reminder waiting to be snoozed.` };
    if (current.due_at.getTime() >= wanted.getTime()) return { ok: true, dueAt: current.due_at };
    await scheduleTimer(
      tx,
      { kind: updateReminderKind, key, dueAt: wanted, payload: { incidentId: incident.id } },
      now,
    );
    return { ok: true, dueAt: wanted };
  });
}

export function cadenceFor(playbook: Playbook, severity: string): number | null {
  return playbook.severities[severity]?.updateCadenceMinutes ?? null;
}

async function addTimeline(
  tx: Transaction,
  incidentId: string,
  kind: TimelineKind,
  actorId: string,
  at: Date,
  data: Record<string, unknown>,
) {
  return tx.timelineEvent.create({
    data: { incidentId, kind, actorId, occurredAt: at, data: data as Prisma.InputJsonObject },
  });
}

/** The incident channel gets the message; the announcement gets it in its thread. */
async function announce(
  tx: Transaction,
  incident: IncidentWithRoles,
  keyPrefix: string,
  message: SlackMessage,
  now: Date,
): Promise<void> {
  if (incident.channelId) {
    await enqueueSlackPost(
      tx,
      {
        key: `${keyPrefix}:channel`,
        channelId: incident.channelId,
        message,
        incidentId: incident.id,
      },
      now,
    );
  }
  if (incident.announcementChannelId && incident.announcementTs) {
    await enqueueSlackPost(
      tx,
      {
        key: `${keyPrefix}:announcement-thread`,
        channelId: incident.announcementChannelId,
        threadTs: incident.announcementTs,
        message,
        incidentId: incident.id,
      },
      now,
    );
  }
}

/**
 * The topic, intro and announcement show the current state. Refreshing them
 * renders whatever the incident is when the timer runs, so several quick
 * changes coalesce into one set of calls and can never land out of order.
 */
async function scheduleRefresh(tx: Transaction, incidentId: string, now: Date): Promise<void> {
  await scheduleTimer(
    tx,
    {
      kind: refreshSurfacesKind,
      key: `refresh:${incidentId}`,
      dueAt: now,
      payload: { incidentId },
    },
    now,
  );
}
