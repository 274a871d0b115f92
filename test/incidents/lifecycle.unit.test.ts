import { describe, expect, it } from "vitest";
import { decideTransition } from "../../src/domain/incidents/lifecycle.ts";

const at = (status: string) => ({ number: 7, status });

describe("decideTransition", () => {
  it.each([
    ["investigating", "identified"],
    ["identified", "monitoring"],
    ["investigating", "monitoring"],
    ["monitoring", "investigating"], // relapse
    ["identified", "investigating"],
    ["investigating", "investigating"], // a progress update without a status change
  ] as const)("allows an update from %s to %s and resets the reminder", (from, to) => {
    expect(decideTransition(at(from), { type: "update", status: to })).toEqual({
      ok: true,
      status: to,
      timeline: "status_update",
      reminder: "reset",
      resolvedNow: false,
    });
  });

  it("resolving stops the reminders, by command or by an update to resolved", () => {
    const expected = {
      ok: true,
      status: "resolved",
      timeline: "resolved",
      reminder: "stop",
      resolvedNow: true,
    };
    expect(decideTransition(at("monitoring"), { type: "resolve" })).toEqual(expected);
    expect(decideTransition(at("investigating"), { type: "update", status: "resolved" })).toEqual(
      expected,
    );
  });

  it("refuses to resolve twice", () => {
    expect(decideTransition(at("resolved"), { type: "resolve" })).toEqual({
      ok: false,
      error: "INC-7 is already resolved.",
    });
    expect(decideTransition(at("resolved"), { type: "update", status: "resolved" }).ok).toBe(false);
  });

  it("refuses updates to a resolved incident and points to reopen", () => {
    const decision = decideTransition(at("resolved"), { type: "update", status: "monitoring" });
    expect(decision.ok).toBe(false);
    expect(!decision.ok && decision.error).toContain("/incident reopen");
  });

  it("reopens only a resolved incident, back to investigating, restarting reminders", () => {
    expect(decideTransition(at("resolved"), { type: "reopen" })).toEqual({
      ok: true,
      status: "investigating",
      timeline: "reopened",
      reminder: "restart",
      resolvedNow: false,
    });
    const refused = decideTransition(at("monitoring"), { type: "reopen" });
    expect(!refused.ok && refused.error).toBe(
      "INC-7 is not resolved (it is monitoring), so there is nothing to reopen.",
    );
  });
});
