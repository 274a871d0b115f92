/**
 * When update reminders are due and whom they address: pure rules.
 *
 * The clock starts at the last status update (or the declaration). At each
 * cadence without an update the comms lead is reminded (the IC when there is
 * no comms lead). From the fourth reminder on, reminders escalate: they
 * address the IC and say how many went unanswered. Reminders keep coming at
 * the cadence until someone posts an update: a forgotten incident must stay
 * loud. Resolving stops them; reopening starts them again.
 */

export const remindersBeforeEscalation = 3;
export const snoozeMinutes = 15;

export function updateReminderKey(incidentId: string): string {
  return `update-reminder:${incidentId}`;
}

/** The first reminder after an update (or declaration) at `lastActivity`. */
export function firstReminderAt(lastActivity: Date, cadenceMinutes: number | null): Date | null {
  if (cadenceMinutes === null) return null;
  return new Date(lastActivity.getTime() + cadenceMinutes * 60_000);
}

/**
 * After a severity change the cadence changes but the last update does not:
 * the reminder moves to last update + new cadence, or now if that has passed.
 */
export function retimedReminderAt(
  lastActivity: Date,
  cadenceMinutes: number | null,
  now: Date,
): Date | null {
  const due = firstReminderAt(lastActivity, cadenceMinutes);
  if (!due) return null;
  return due.getTime() < now.getTime() ? now : due;
}

export interface ReminderAudience {
  /** The person to mention. */
  userId: string;
  escalated: boolean;
}

export function reminderAudience(
  reminderNumber: number,
  roles: { role: string; userId: string }[],
): ReminderAudience | null {
  const holder = (role: string) => roles.find((assignment) => assignment.role === role)?.userId;
  const ic = holder("incident_commander");
  const comms = holder("comms_lead") ?? ic;
  if (reminderNumber > remindersBeforeEscalation)
    return ic ? { userId: ic, escalated: true } : null;
  return comms ? { userId: comms, escalated: false } : null;
}

export function describeElapsed(fromMs: number, toMs: number): string {
  const minutes = Math.max(0, Math.round((toMs - fromMs) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}
