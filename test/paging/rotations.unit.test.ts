import { describe, expect, it } from "vitest";
import type { Rotation } from "../../src/core/config/playbook.ts";
import { nextHandoffs, onCallAt } from "../../src/domain/oncall/rotations.ts";

const hour = 3_600_000;
const at = (iso: string) => new Date(iso);
const justBefore = (iso: string) => new Date(Date.parse(iso) - 1);
/** What onCallAt answers for `userId`'s own shift from `start` to `end`. */
const shift = (userId: string, start: string, end: string) => ({
  userId,
  shiftStart: at(start),
  shiftEnd: at(end),
  overridden: false,
});
/** What onCallAt answers for an override: `userId` on call from `start` to `end` in place of `covering`. */
const cover = (userId: string, start: string, end: string, covering: string) => ({
  userId,
  shiftStart: at(start),
  shiftEnd: at(end),
  overridden: true,
  covering,
});

function rotation(overrides: Partial<Rotation> = {}): Rotation {
  return {
    members: ["U0ALICE", "U0BOB", "U0CAROL"],
    shift: { days: 7 },
    // A Monday; London is on GMT in January, so local time = UTC.
    handoff: "2026-01-05T09:00",
    timezone: "Europe/London",
    overrides: [],
    ...overrides,
  };
}

describe("onCallAt: a weekly rotation", () => {
  const weekly = rotation();

  it("hands over exactly at the handoff: one ms before is the previous shift", () => {
    expect(onCallAt(weekly, at("2026-01-05T09:00:00Z"))).toEqual(shift("U0ALICE", "2026-01-05T09:00:00Z", "2026-01-12T09:00:00Z"));
    expect(onCallAt(weekly, justBefore("2026-01-12T09:00:00Z")).userId).toBe("U0ALICE");
    expect(onCallAt(weekly, at("2026-01-12T09:00:00Z"))).toEqual(shift("U0BOB", "2026-01-12T09:00:00Z", "2026-01-19T09:00:00Z"));
  });

  it("cycles round-robin week after week", () => {
    const mondays = [5, 12, 19, 26].map((d) => `2026-01-${String(d).padStart(2, "0")}T12:00:00Z`);
    mondays.push("2026-02-02T12:00:00Z", "2026-02-09T12:00:00Z", "2026-02-16T12:00:00Z");
    expect(mondays.map((d) => onCallAt(weekly, at(d)).userId)).toEqual([
      "U0ALICE",
      "U0BOB",
      "U0CAROL",
      "U0ALICE",
      "U0BOB",
      "U0CAROL",
      "U0ALICE",
    ]);
  });

  it("keeps counting a year on, across two DST changes, with the handoff at 09:00 local", () => {
    // 52 weeks after the first handoff: 52 % 3 = 1, and London is on GMT again.
    const result = onCallAt(weekly, at("2027-01-04T09:00:00Z"));
    expect(result.userId).toBe("U0BOB");
    expect(result.shiftStart).toEqual(at("2027-01-04T09:00:00Z"));
    // In summer 09:00 London is 08:00 UTC: 26 weeks after is 2026-07-06.
    const summer = onCallAt(weekly, at("2026-07-06T08:00:00Z"));
    expect(summer.userId).toBe(["U0ALICE", "U0BOB", "U0CAROL"][26 % 3]);
    expect(summer.shiftStart).toEqual(at("2026-07-06T08:00:00Z"));
    expect(onCallAt(weekly, justBefore("2026-07-06T08:00:00Z")).userId).toBe(
      ["U0ALICE", "U0BOB", "U0CAROL"][25 % 3],
    );
  });

  it("counts backwards before the first handoff", () => {
    // Shift -1 is the last member, shift -2 the one before: the same order run backwards.
    expect(onCallAt(weekly, justBefore("2026-01-05T09:00:00Z"))).toEqual(shift("U0CAROL", "2025-12-29T09:00:00Z", "2026-01-05T09:00:00Z"));
    expect(onCallAt(weekly, at("2025-12-25T00:00:00Z")).userId).toBe("U0BOB");
    expect(onCallAt(weekly, at("2025-12-16T00:00:00Z")).userId).toBe("U0ALICE");
    expect(onCallAt(weekly, at("2025-12-08T09:00:00Z")).userId).toBe("U0CAROL");
  });
});

describe("onCallAt: overrides", () => {
  it("applies from `from` inclusive to `to` exclusive, naming whom it covers", () => {
    const covered = rotation({
      overrides: [{ user: "U0DAVE", from: "2026-01-07T12:00", to: "2026-01-08T12:00" }],
    });
    expect(onCallAt(covered, justBefore("2026-01-07T12:00:00Z"))).toEqual(shift("U0ALICE", "2026-01-05T09:00:00Z", "2026-01-07T12:00:00Z"));
    expect(onCallAt(covered, at("2026-01-07T12:00:00Z"))).toEqual(cover("U0DAVE", "2026-01-07T12:00:00Z", "2026-01-08T12:00:00Z", "U0ALICE"));
    expect(onCallAt(covered, justBefore("2026-01-08T12:00:00Z")).userId).toBe("U0DAVE");
    expect(onCallAt(covered, at("2026-01-08T12:00:00Z"))).toEqual(shift("U0ALICE", "2026-01-08T12:00:00Z", "2026-01-12T09:00:00Z"));
  });

  it("reads override times as local times in the rotation's zone", () => {
    const covered = rotation({
      timezone: "America/New_York",
      overrides: [{ user: "U0DAVE", from: "2026-01-07T12:00", to: "2026-01-07T13:00" }],
    });
    // 12:00 in New York (EST, UTC-5) is 17:00 UTC.
    expect(onCallAt(covered, at("2026-01-07T12:30:00Z")).overridden).toBe(false);
    expect(onCallAt(covered, at("2026-01-07T17:30:00Z")).userId).toBe("U0DAVE");
  });

  it("lets the later override in the list win where two overlap", () => {
    const layered = rotation({
      overrides: [
        { user: "U0CAROL", from: "2026-01-07T12:00", to: "2026-01-09T12:00" },
        { user: "U0DAVE", from: "2026-01-08T00:00", to: "2026-01-08T12:00" },
      ],
    });
    expect(onCallAt(layered, at("2026-01-07T18:00:00Z"))).toMatchObject({
      userId: "U0CAROL",
      shiftEnd: at("2026-01-08T00:00:00Z"),
      covering: "U0ALICE",
    });
    expect(onCallAt(layered, at("2026-01-08T06:00:00Z"))).toEqual(cover("U0DAVE", "2026-01-08T00:00:00Z", "2026-01-08T12:00:00Z", "U0ALICE"));
    expect(onCallAt(layered, at("2026-01-08T12:00:00Z"))).toMatchObject({
      userId: "U0CAROL",
      shiftStart: at("2026-01-08T12:00:00Z"),
      shiftEnd: at("2026-01-09T12:00:00Z"),
    });

    // The same two the other way round: the long one hides the short one entirely.
    const hidden = rotation({ overrides: [...layered.overrides].reverse() });
    expect(onCallAt(hidden, at("2026-01-08T06:00:00Z"))).toEqual(cover("U0CAROL", "2026-01-07T12:00:00Z", "2026-01-09T12:00:00Z", "U0ALICE"));
  });

  it("cuts an override that spans a handoff there, because whom it covers changes", () => {
    const spanning = rotation({
      overrides: [{ user: "U0DAVE", from: "2026-01-11T12:00", to: "2026-01-13T12:00" }],
    });
    expect(onCallAt(spanning, at("2026-01-12T08:00:00Z"))).toEqual(cover("U0DAVE", "2026-01-11T12:00:00Z", "2026-01-12T09:00:00Z", "U0ALICE"));
    expect(onCallAt(spanning, at("2026-01-12T09:00:00Z"))).toMatchObject({
      userId: "U0DAVE",
      shiftStart: at("2026-01-12T09:00:00Z"),
      shiftEnd: at("2026-01-13T12:00:00Z"),
      covering: "U0BOB",
    });
  });
});

describe("onCallAt: daylight saving time", () => {
  // Europe/London 2026: clocks go forward on 29 March (01:00 GMT → 02:00 BST)
  // and back on 25 October (02:00 BST → 01:00 GMT).
  const daily = rotation({
    members: ["U0ALICE", "U0BOB"],
    shift: { days: 1 },
    handoff: "2026-03-27T09:00",
  });

  it("a daily rotation keeps 09:00 local across spring-forward: that shift is 23 h", () => {
    const saturday = onCallAt(daily, at("2026-03-28T12:00:00Z"));
    // From 09:00 GMT to 09:00 BST.
    expect(saturday).toEqual(shift("U0BOB", "2026-03-28T09:00:00Z", "2026-03-29T08:00:00Z"));
    expect(saturday.shiftEnd.getTime() - saturday.shiftStart.getTime()).toBe(23 * hour);
    expect(onCallAt(daily, justBefore("2026-03-29T08:00:00Z")).userId).toBe("U0BOB");
    const sunday = onCallAt(daily, at("2026-03-29T08:00:00Z"));
    expect(sunday.userId).toBe("U0ALICE");
    expect(sunday.shiftEnd.getTime() - sunday.shiftStart.getTime()).toBe(24 * hour);
  });

  it("a daily rotation keeps 09:00 local across fall-back: that shift is 25 h", () => {
    // 24 October is day 211 after 27 March: an odd index, so the second member.
    const saturday = onCallAt(daily, at("2026-10-24T12:00:00Z"));
    // From 09:00 BST to 09:00 GMT.
    expect(saturday).toEqual(shift("U0BOB", "2026-10-24T08:00:00Z", "2026-10-25T09:00:00Z"));
    expect(saturday.shiftEnd.getTime() - saturday.shiftStart.getTime()).toBe(25 * hour);
    expect(onCallAt(daily, at("2026-10-25T08:30:00Z")).userId).toBe("U0BOB");
    expect(onCallAt(daily, at("2026-10-25T09:00:00Z")).userId).toBe("U0ALICE");
  });

  it("an hours-based rotation keeps exact real durations, so the local handoff moves", () => {
    const twelveHours = rotation({
      members: ["U0ALICE", "U0BOB"],
      shift: { hours: 12 },
      handoff: "2026-03-28T21:00", // GMT, so 21:00 UTC
    });
    const night = onCallAt(twelveHours, at("2026-03-29T03:00:00Z"));
    // Until 10:00 BST, not 09:00.
    expect(night).toEqual(shift("U0ALICE", "2026-03-28T21:00:00Z", "2026-03-29T09:00:00Z"));
    expect(onCallAt(twelveHours, at("2026-03-29T09:00:00Z")).userId).toBe("U0BOB");
    expect(
      nextHandoffs(twelveHours, at("2026-03-28T21:00:00Z"), 3).map((h) => h.shiftStart),
    ).toEqual([at("2026-03-29T09:00:00Z"), at("2026-03-29T21:00:00Z"), at("2026-03-30T09:00:00Z")]);
  });

  it("handles zones whose offset is not a whole hour", () => {
    // Asia/Kolkata is UTC+05:30 all year: 09:00 local is 03:30 UTC.
    const kolkata = rotation({ shift: { days: 1 }, timezone: "Asia/Kolkata" });
    expect(onCallAt(kolkata, justBefore("2026-01-05T03:30:00Z")).userId).toBe("U0CAROL");
    expect(onCallAt(kolkata, at("2026-01-05T03:30:00Z"))).toEqual(shift("U0ALICE", "2026-01-05T03:30:00Z", "2026-01-06T03:30:00Z"));
    expect(onCallAt(kolkata, at("2026-01-06T03:30:00Z")).userId).toBe("U0BOB");
  });

  it("handles a half-hour DST change (Australia/Lord_Howe): that daily shift is 23.5 h", () => {
    // Lord Howe goes from UTC+10:30 to +11 at 02:00 local on 4 October 2026.
    const lordHowe = rotation({
      members: ["U0ALICE", "U0BOB"],
      shift: { days: 1 },
      handoff: "2026-10-03T09:00",
      timezone: "Australia/Lord_Howe",
    });
    const first = onCallAt(lordHowe, at("2026-10-03T00:00:00Z"));
    expect(first.shiftStart).toEqual(at("2026-10-02T22:30:00Z"));
    expect(first.shiftEnd).toEqual(at("2026-10-03T22:00:00Z"));
    expect(first.shiftEnd.getTime() - first.shiftStart.getTime()).toBe(23.5 * hour);
  });
});

describe("nextHandoffs", () => {
  it("lists the handoffs strictly after `from`, with who is on call then", () => {
    const covered = rotation({
      overrides: [{ user: "U0DAVE", from: "2026-01-19T09:00", to: "2026-01-20T09:00" }],
    });
    const handoffs = nextHandoffs(covered, at("2026-01-05T09:00:00Z"), 3);
    expect(handoffs.map((h) => [h.shiftStart.toISOString(), h.userId, h.covering])).toEqual([
      ["2026-01-12T09:00:00.000Z", "U0BOB", undefined],
      ["2026-01-19T09:00:00.000Z", "U0DAVE", "U0CAROL"],
      ["2026-01-26T09:00:00.000Z", "U0ALICE", undefined],
    ]);
    expect(nextHandoffs(covered, at("2026-01-05T09:00:00Z"), 0)).toEqual([]);
  });
});
