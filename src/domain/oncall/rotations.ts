import { DateTime } from "luxon";
import type { Rotation } from "../../core/config/playbook.ts";

/**
 * Who is on call in a rotation (SPEC.md, "The playbook": rotations). Pure:
 * the time is always passed in, so the same answers come out in tests, in the
 * paging engine and in `npm run playbook:check`.
 */

export interface OnCall {
  /** Who to page: the override's user when one applies, else the scheduled member. */
  userId: string;
  /**
   * The stretch containing the asked-for time during which this exact answer
   * holds. Without overrides it is the scheduled shift; an override cuts the
   * shift into pieces, and an override that spans a handoff is cut at the
   * handoff (the person it covers changes there).
   */
  shiftStart: Date;
  shiftEnd: Date;
  overridden: boolean;
  /** The scheduled member whose shift an override covers. */
  covering?: string;
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

export function onCallAt(rotation: Rotation, at: Date): OnCall {
  const time = at.getTime();
  const schedule = scheduledShiftAt(rotation, time);
  const overrides = overrideWindows(rotation);
  const answerAt = (instant: number): Answer => answer(schedule.member, overrides, instant);
  const current = answerAt(time);

  // Cut points inside the shift are override edges; merging pieces that give
  // the same answer means `shiftEnd` is when the answer really changes, not
  // the edge of an override that a later override hides.
  const cuts = [
    ...new Set(
      overrides
        .flatMap((o) => [o.from, o.to])
        .filter((t) => t > schedule.start && t < schedule.end),
    ),
  ].sort((a, b) => a - b);
  let start = schedule.start;
  for (const cut of cuts.filter((t) => t <= time).reverse()) {
    if (!sameAnswer(answerAt(cut - 1), current)) {
      start = cut;
      break;
    }
  }
  let end = schedule.end;
  for (const cut of cuts.filter((t) => t > time)) {
    if (!sameAnswer(answerAt(cut), current)) {
      end = cut;
      break;
    }
  }

  const result: OnCall = {
    userId: current.userId,
    shiftStart: new Date(start),
    shiftEnd: new Date(end),
    overridden: current.overridden,
  };
  if (current.overridden) result.covering = schedule.member;
  return result;
}

/**
 * The next `count` scheduled handoffs strictly after `from`, each with who is
 * on call from that moment (overrides applied, so a display shows who will
 * really be paged; `covering` tells whose shift it is).
 */
export function nextHandoffs(rotation: Rotation, from: Date, count: number): OnCall[] {
  const handoffs: OnCall[] = [];
  let shift = scheduledShiftAt(rotation, from.getTime());
  for (let i = 0; i < count; i++) {
    shift = scheduledShiftAt(rotation, shift.end);
    handoffs.push(onCallAt(rotation, new Date(shift.start)));
  }
  return handoffs;
}

interface Shift {
  index: number;
  start: number;
  end: number;
  member: string;
}

interface Window {
  user: string;
  from: number;
  to: number;
}

interface Answer {
  userId: string;
  overridden: boolean;
}

/** The scheduled shift containing `time`: start inclusive, end exclusive. */
function scheduledShiftAt(rotation: Rotation, time: number): Shift {
  const first = DateTime.fromISO(rotation.handoff, { zone: rotation.timezone });
  // The schema checks both; this guards callers that skipped it, since NaN
  // times would otherwise yield an undefined member.
  if (!first.isValid)
    throw new RangeError(`invalid rotation handoff or timezone: ${first.invalidExplanation}`);
  const startOf = shiftStarts(rotation, first);
  const length =
    "days" in rotation.shift ? rotation.shift.days * dayMs : rotation.shift.hours * hourMs;
  // A guess from real durations; with `days` a DST change moves local handoffs
  // by an hour against it, so it is corrected by stepping, at most once or twice.
  let index = Math.floor((time - first.toMillis()) / length);
  while (startOf(index) > time) index--;
  while (startOf(index + 1) <= time) index++;
  const count = rotation.members.length;
  return {
    index,
    start: startOf(index),
    end: startOf(index + 1),
    // Before the first handoff the index is negative; the modulo keeps the
    // round-robin going backwards in the same order.
    member: rotation.members[((index % count) + count) % count]!,
  };
}

function shiftStarts(rotation: Rotation, first: DateTime): (index: number) => number {
  if ("days" in rotation.shift) {
    const days = rotation.shift.days;
    // Calendar arithmetic in the rotation's zone keeps the local wall-clock
    // time, so a shift across a DST change is 23 or 25 real hours.
    return (index) => first.plus({ days: index * days }).toMillis();
  }
  const length = rotation.shift.hours * hourMs;
  const origin = first.toMillis();
  return (index) => origin + index * length;
}

function overrideWindows(rotation: Rotation): Window[] {
  return rotation.overrides.map((o) => ({
    user: o.user,
    from: DateTime.fromISO(o.from, { zone: rotation.timezone }).toMillis(),
    to: DateTime.fromISO(o.to, { zone: rotation.timezone }).toMillis(),
  }));
}

function answer(scheduled: string, overrides: readonly Window[], time: number): Answer {
  // The later override in the list wins where two overlap.
  for (let i = overrides.length - 1; i >= 0; i--) {
    const o = overrides[i]!;
    if (o.from <= time && time < o.to) return { userId: o.user, overridden: true };
  }
  return { userId: scheduled, overridden: false };
}

function sameAnswer(a: Answer, b: Answer): boolean {
  return a.userId === b.userId && a.overridden === b.overridden;
}
