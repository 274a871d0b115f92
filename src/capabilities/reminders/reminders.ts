import type { Playbook } from "../../core/config/playbook.ts";
import { err, ok, type Result } from "../../core/result.ts";
import type { Clock } from "../../core/clock.ts";
import { cancelTimer, lockPendingDueAt, scheduleTimer, scheduleTimerOnce } from "../../core/scheduler/timers.ts";
import type { Transaction } from "../../core/scheduler/types.ts";
import type { IncidentEvents } from "../../domain/incidents/events.ts";
import type { IncidentWithRoles } from "../../domain/incidents/record.ts";
import { incidentKey } from "../../domain/incidents/rules.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { firstReminderAt, retimedReminderAt, updateReminderKey } from "./schedule.ts";

/**
 * The update reminder's clock, kept by reacting to the incident's events:
 * it starts at activation (counted from the declaration), restarts at every
 * status update and at a reopen, stops at resolve, and moves when a severity
 * change brings another cadence. One durable timer per incident.
 */

export const updateReminderKind = "update.reminder";

export function cadenceFor(playbook: Playbook, severity: string): number | null {
  return playbook.severities[severity]?.updateCadenceMinutes ?? null;
}

export function subscribeReminderClock(events: IncidentEvents, playbook: Playbook): void {
  events.on("incident.activated", async (tx, { incident, at }) => {
    const due = firstReminderAt(incident.declaredAt, cadenceFor(playbook, incident.severity));
    // Once: a declaration finished twice must not move a reminder already counting.
    if (due) await scheduleTimerOnce(tx, reminderTimer(incident.id, due), at);
  });
  events.on("incident.status_changed", async (tx, { incident, reminder, at }) => {
    // "reset" (an update) and "restart" (a reopen) both count from now; "stop" (resolved) ends it.
    const due = reminder === "stop" ? null : firstReminderAt(at, cadenceFor(playbook, incident.severity));
    await setReminder(tx, incident.id, due, at);
  });
  events.on("incident.severity_changed", async (tx, { incident, to, at }) => {
    if (incident.status === "resolved") return;
    const due = retimedReminderAt(incident.lastUpdateAt ?? incident.declaredAt, cadenceFor(playbook, to), at);
    await setReminder(tx, incident.id, due, at);
  });
}

/**
 * Puts the next update reminder off by `minutes`, without resetting the
 * count of unanswered ones. A snooze only ever postpones: a reminder already
 * due later stays where it is, and an incident without a pending reminder
 * (resolved, or a severity without a cadence) gets none.
 */
export async function snoozeReminder(
  deps: { prisma: PrismaClient; clock: Clock },
  incident: IncidentWithRoles,
  minutes: number,
): Promise<Result<Date>> {
  if (incident.status === "resolved")
    return err(`${incidentKey(incident.number)} is resolved; there is no reminder to snooze.`);
  const now = deps.clock.now();
  const wanted = new Date(now.getTime() + minutes * 60_000);
  const key = updateReminderKey(incident.id);
  return deps.prisma.$transaction(async (tx): Promise<Result<Date>> => {
    const current = await lockPendingDueAt(tx, key);
    if (!current) return err(`${incidentKey(incident.number)} has no update reminder waiting to be snoozed.`);
    if (current.getTime() >= wanted.getTime()) return ok(current);
    await scheduleTimer(tx, reminderTimer(incident.id, wanted), now);
    return ok(wanted);
  });
}

/** Sets the incident's next reminder, or cancels it when there is none to come. */
async function setReminder(tx: Transaction, incidentId: string, due: Date | null, now: Date): Promise<void> {
  if (due) await scheduleTimer(tx, reminderTimer(incidentId, due), now);
  else await cancelTimer(tx, updateReminderKey(incidentId), now);
}

function reminderTimer(incidentId: string, dueAt: Date) {
  return { kind: updateReminderKind, key: updateReminderKey(incidentId), dueAt, payload: { incidentId } };
}
