import { describe, expect, it } from "vitest";
import {
  describeElapsed,
  firstReminderAt,
  reminderAudience,
  retimedReminderAt,
} from "../../src/capabilities/reminders/schedule.ts";

const t0 = new Date("2026-11-22T10:00:00Z");
const plus = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

describe("reminder timing", () => {
  it("is due one cadence after the last activity, never for a null cadence", () => {
    expect(firstReminderAt(t0, 15)).toEqual(plus(15));
    expect(firstReminderAt(t0, null)).toBeNull();
  });

  it("re-times to last activity + new cadence, or now when that has passed", () => {
    expect(retimedReminderAt(t0, 120, plus(20))).toEqual(plus(120));
    expect(retimedReminderAt(t0, 15, plus(20))).toEqual(plus(20));
    expect(retimedReminderAt(t0, null, plus(20))).toBeNull();
  });
});

describe("reminderAudience", () => {
  const ic = { role: "incident_commander", userId: "U0IC" };
  const comms = { role: "comms_lead", userId: "U0COMMS" };

  it("reminds the comms lead, or the IC when there is none, for the first three", () => {
    expect(reminderAudience(1, [ic, comms])).toEqual({ userId: "U0COMMS", escalated: false });
    expect(reminderAudience(3, [ic])).toEqual({ userId: "U0IC", escalated: false });
  });

  it("escalates to the IC from the fourth", () => {
    expect(reminderAudience(4, [ic, comms])).toEqual({ userId: "U0IC", escalated: true });
    expect(reminderAudience(9, [ic, comms])).toEqual({ userId: "U0IC", escalated: true });
  });

  it("has nobody to address without roles", () => {
    expect(reminderAudience(1, [])).toBeNull();
  });
});

describe("describeElapsed", () => {
  it("speaks minutes and hours", () => {
    expect(describeElapsed(0, 14 * 60_000)).toBe("14 min");
    expect(describeElapsed(0, 120 * 60_000)).toBe("2 h");
    expect(describeElapsed(0, 135 * 60_000)).toBe("2 h 15 min");
  });
});
