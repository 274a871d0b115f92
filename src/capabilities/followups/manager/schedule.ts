import { DateTime, type WeekdayNumbers } from "luxon";
import type { Weekday } from "../../../core/config/playbook.ts";

/**
 * When the weekly digest runs. All arithmetic is on local time in the
 * playbook's zone (luxon), so "Monday 09:00" stays 09:00 across daylight
 * saving changes; a local time that does not exist on a spring-forward day
 * moves forward by the gap, as luxon does.
 */

export interface DigestTime {
  weekday: Weekday;
  /** HH:mm, 24-hour. */
  time: string;
}

const isoWeekdays: Record<Weekday, WeekdayNumbers> = {
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  sunday: 7,
};

function atDigestTime(day: DateTime, digest: DigestTime): DateTime {
  const [hour = 0, minute = 0] = digest.time.split(":").map(Number);
  return day.set({ weekday: isoWeekdays[digest.weekday], hour, minute, second: 0, millisecond: 0 });
}

/** The first digest time strictly after `after`. */
export function nextDigestAt(after: Date, digest: DigestTime, timezone: string): Date {
  const start = DateTime.fromJSDate(after, { zone: timezone });
  let candidate = atDigestTime(start, digest);
  // Set the local day and time again after moving a week, rather than adding
  // 168 hours, so a DST change in between does not shift the hour.
  if (candidate <= start) candidate = atDigestTime(start.plus({ weeks: 1 }), digest);
  return candidate.toJSDate();
}

/**
 * The digest a run stands for: its due time, or the latest occurrence not
 * after `now` when the bot was down for weeks, so one late run posts one
 * current digest instead of a backlog of stale ones.
 */
export function currentOccurrence(dueAt: Date, now: Date, digest: DigestTime, timezone: string): Date {
  let occurrence = dueAt;
  for (let next = nextDigestAt(occurrence, digest, timezone); next <= now; next = nextDigestAt(next, digest, timezone)) {
    occurrence = next;
  }
  return occurrence;
}

/** The week a digest covers: the 7 local days up to its occurrence. */
export function digestWindow(occurrence: Date, timezone: string): { from: Date; to: Date } {
  const to = DateTime.fromJSDate(occurrence, { zone: timezone });
  return { from: to.minus({ weeks: 1 }).toJSDate(), to: occurrence };
}

/** `2026-W48`: the ISO week of the occurrence, in the playbook's zone. Stable per digest. */
export function isoWeekKey(occurrence: Date, timezone: string): string {
  const local = DateTime.fromJSDate(occurrence, { zone: timezone });
  return `${local.weekYear}-W${String(local.weekNumber).padStart(2, "0")}`;
}
