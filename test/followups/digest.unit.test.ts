import { describe, expect, it } from "vitest";
import { findBlockProblems } from "../../tools/emulators/slack/block-kit.ts";
import { type DigestData, renderDigest } from "../../src/capabilities/followups/manager/digest.ts";
import { computeIncidentTimes, computeWeekMetrics, formatMinutes } from "../../src/capabilities/followups/manager/metrics.ts";
import type { ItemWithIncident } from "../../src/capabilities/followups/manager/queries.ts";
import {
  currentOccurrence,
  digestWindow,
  isoWeekKey,
  nextDigestAt,
} from "../../src/capabilities/followups/manager/schedule.ts";
import { actionItemRow } from "../support/factories.ts";

const at = (iso: string) => new Date(iso);
const event = (kind: string, iso: string) => ({ kind, occurredAt: at(iso) });

// Hand-written timelines; the expected minutes are worked out in the comments.
const fixture = {
  // declared 10:00, first ack 10:12 (a later ack is ignored), resolved 11:30.
  // TTA = 12 min; TTR = 1 h 30 min = 90 min.
  a: {
    declaredAt: at("2026-11-16T10:00:00Z"),
    timeline: [
      event("declared", "2026-11-16T10:00:00Z"),
      event("acknowledged", "2026-11-16T10:20:00Z"),
      event("acknowledged", "2026-11-16T10:12:00Z"),
      event("resolved", "2026-11-16T11:30:00Z"),
    ],
  },
  // declared 23:50, ack 00:05 the next day: 10 + 5 = 15 min.
  // Resolved 02:20, reopened 02:40, resolved again 04:50: the final resolution counts,
  // TTR = 04:50 − 23:50 = 5 h = 300 min.
  b: {
    declaredAt: at("2026-11-17T23:50:00Z"),
    timeline: [
      event("declared", "2026-11-17T23:50:00Z"),
      event("acknowledged", "2026-11-18T00:05:00Z"),
      event("resolved", "2026-11-18T02:20:00Z"),
      event("reopened", "2026-11-18T02:40:00Z"),
      event("resolved", "2026-11-18T04:50:00Z"),
    ],
  },
  // declared 08:00, never acknowledged, resolved 08:45: TTR = 45 min, no TTA.
  c: {
    declaredAt: at("2026-11-19T08:00:00Z"),
    timeline: [event("declared", "2026-11-19T08:00:00Z"), event("resolved", "2026-11-19T08:45:00Z")],
  },
  // declared 12:00, ack 12:03 (TTA = 3 min), still ongoing: no TTR.
  d: {
    declaredAt: at("2026-11-20T12:00:00Z"),
    timeline: [event("declared", "2026-11-20T12:00:00Z"), event("acknowledged", "2026-11-20T12:03:00Z")],
  },
  // resolved then reopened and not resolved again: ongoing, no TTR, no TTA.
  e: {
    declaredAt: at("2026-11-21T09:00:00Z"),
    timeline: [
      event("declared", "2026-11-21T09:00:00Z"),
      event("resolved", "2026-11-21T09:30:00Z"),
      event("reopened", "2026-11-21T10:00:00Z"),
    ],
  },
};

describe("MTTA and MTTR from timeline timestamps", () => {
  it("computes each incident's times as worked out by hand", () => {
    expect(computeIncidentTimes(fixture.a)).toMatchObject({ minutesToAcknowledge: 12, minutesToResolve: 90 });
    expect(computeIncidentTimes(fixture.b)).toMatchObject({ minutesToAcknowledge: 15, minutesToResolve: 300 });
    const c = computeIncidentTimes(fixture.c);
    expect(c.minutesToAcknowledge).toBeUndefined();
    expect(c.minutesToResolve).toBe(45);
    const d = computeIncidentTimes(fixture.d);
    expect(d.minutesToAcknowledge).toBe(3);
    expect(d.minutesToResolve).toBeUndefined();
    const e = computeIncidentTimes(fixture.e);
    expect(e.resolvedAt).toBeUndefined();
    expect(e.minutesToResolve).toBeUndefined();
  });

  it("averages over the incidents that qualify", () => {
    const metrics = computeWeekMetrics(Object.values(fixture).map(computeIncidentTimes));
    // MTTA over a, b, d (c and e were never acknowledged): (12 + 15 + 3) / 3 = 10 min.
    // MTTR over a, b, c (d and e are ongoing): (90 + 300 + 45) / 3 = 145 min.
    expect(metrics).toEqual({ incidents: 5, acknowledged: 3, resolved: 3, mtta: 10, mttr: 145 });
  });

  it("has no means when nothing qualifies", () => {
    expect(computeWeekMetrics([])).toEqual({ incidents: 0, acknowledged: 0, resolved: 0 });
    expect(computeWeekMetrics([computeIncidentTimes(fixture.e)])).toEqual({ incidents: 1, acknowledged: 0, resolved: 0 });
  });

  it("formats minutes for people", () => {
    expect(formatMinutes(8.5)).toBe("9 min");
    expect(formatMinutes(145)).toBe("2 h 25 min");
    expect(formatMinutes(120)).toBe("2 h");
    expect(formatMinutes(3 * 1440 + 125)).toBe("3 d 2 h");
  });
});

describe("digest schedule (Europe/London, Monday 09:00)", () => {
  const digest = { weekday: "monday", time: "09:00" } as const;
  const london = "Europe/London";

  it("finds the next Monday 09:00 local, across both DST changes", () => {
    // Saturday before the spring change (29 March 2026): 09:00 BST is 08:00 UTC.
    expect(nextDigestAt(at("2026-03-28T12:00:00Z"), digest, london)).toEqual(at("2026-03-30T08:00:00Z"));
    // Exactly at a digest time: the next one, a week of local time later (167 hours).
    expect(nextDigestAt(at("2026-03-23T09:00:00Z"), digest, london)).toEqual(at("2026-03-30T08:00:00Z"));
    // Autumn (25 October 2026): 08:00 UTC the week before, 09:00 UTC after.
    expect(nextDigestAt(at("2026-10-19T08:00:00Z"), digest, london)).toEqual(at("2026-10-26T09:00:00Z"));
    // Monday before 09:00: the same day.
    expect(nextDigestAt(at("2026-11-23T08:59:00Z"), digest, london)).toEqual(at("2026-11-23T09:00:00Z"));
  });

  it("names the week and its window, and a late run stands for the latest occurrence", () => {
    expect(isoWeekKey(at("2026-11-23T09:00:00Z"), london)).toBe("2026-W48");
    expect(digestWindow(at("2026-11-23T09:00:00Z"), london)).toEqual({
      from: at("2026-11-16T09:00:00Z"),
      to: at("2026-11-23T09:00:00Z"),
    });
    // A week across the spring change is 167 hours long.
    expect(digestWindow(at("2026-03-30T08:00:00Z"), london).from).toEqual(at("2026-03-23T09:00:00Z"));
    // Down for three weeks: one digest, for the latest Monday.
    expect(currentOccurrence(at("2026-11-02T09:00:00Z"), at("2026-11-24T10:00:00Z"), digest, london)).toEqual(
      at("2026-11-23T09:00:00Z"),
    );
    expect(currentOccurrence(at("2026-11-23T09:00:00Z"), at("2026-11-23T09:00:05Z"), digest, london)).toEqual(
      at("2026-11-23T09:00:00Z"),
    );
  });
});

function item(n: number, overrides: Partial<ItemWithIncident> = {}): ItemWithIncident {
  return actionItemRow(n, {
    text: `Item ${n} <!channel> ${"x".repeat(900)}`,
    ownerId: `U0OWNER${n % 40}`,
    dueOn: at(`2026-11-${String((n % 28) + 1).padStart(2, "0")}T00:00:00Z`),
    createdBy: "U0ALICE",
    ...overrides,
  });
}

describe("the digest message", () => {
  it("shows the metrics and the overdue items by owner", () => {
    const data: DigestData = {
      window: { from: at("2026-11-16T09:00:00Z"), to: at("2026-11-23T09:00:00Z") },
      timezone: "Europe/London",
      now: at("2026-11-23T09:00:00Z"),
      incidents: Object.values(fixture).map((incident, index) => ({
        number: index + 1,
        title: index === 0 ? "Checkout <!channel> down" : `Incident ${index + 1}`,
        severity: "sev2",
        times: computeIncidentTimes(incident),
      })),
      openItems: [
        item(1, { ownerId: "U0BOB", text: "Fix retries", dueOn: at("2026-11-19T00:00:00Z") }),
        item(2, { ownerId: "U0ALICE", text: "Add alert", dueOn: at("2026-11-20T00:00:00Z") }),
        item(3, { ownerId: "U0ALICE", text: "Write runbook", dueOn: at("2026-12-15T00:00:00Z") }),
        item(4, { ownerId: null, text: "Unowned", dueOn: null }),
      ],
    };
    const message = renderDigest(data);
    const text = JSON.stringify(message.blocks);
    expect(findBlockProblems(message.blocks!, "message")).toEqual([]);
    expect(text).toContain("*MTTA:* 10 min (3 acknowledged) · *MTTR:* 2 h 25 min (3 resolved)");
    expect(text).toContain("Checkout &lt;!channel&gt; down");
    expect(text).not.toContain("<!channel>");
    expect(text).toContain("resolved in 1 h 30 min · acknowledged in 12 min");
    const owners = message.blocks!.filter((b) => b.type === "section").map((b) => (b as { text: { text: string } }).text.text);
    const ownerSections = owners.filter((t) => t.startsWith("*<@") || t.startsWith("*No owner"));
    // Alice and Bob each have one overdue item; Alice has more open ones, so she comes first; nobody's items last.
    expect(ownerSections.map((t) => t.split("\n")[0])).toEqual([
      "*<@U0ALICE>* · 2 open · 1 overdue",
      "*<@U0BOB>* · 1 open · 1 overdue",
      "*No owner* · 1 open",
    ]);
    expect(ownerSections[0]).toContain("Add alert · due 2026-11-20 · :warning: *overdue*");
    expect(ownerSections[0]!.indexOf("Add alert")).toBeLessThan(ownerSections[0]!.indexOf("Write runbook"));
  });

  it("stays within Block Kit limits with 60 incidents and 200 items", () => {
    const data: DigestData = {
      window: { from: at("2026-11-16T09:00:00Z"), to: at("2026-11-23T09:00:00Z") },
      timezone: "UTC",
      now: at("2026-11-23T09:00:00Z"),
      incidents: Array.from({ length: 60 }, (_, i) => ({
        number: i + 1,
        title: `<!here> ${"long title ".repeat(40)}`,
        severity: "sev1",
        times: computeIncidentTimes(fixture.a),
      })),
      openItems: Array.from({ length: 200 }, (_, i) => item(i)),
    };
    const message = renderDigest(data);
    expect(message.blocks!.length).toBeLessThanOrEqual(50);
    expect(findBlockProblems(message.blocks!, "message")).toEqual([]);
    expect(JSON.stringify(message.blocks)).not.toMatch(/<!(here|channel)>/);
    expect(JSON.stringify(message.blocks)).toContain("more owners");
  });
});
