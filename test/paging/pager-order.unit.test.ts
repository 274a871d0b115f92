import { describe, expect, it } from "vitest";
import { callsBetween, pagerFor } from "../../src/capabilities/paging/pager-alerts.ts";
import { loadPlaybook } from "../../src/core/config/playbook.ts";
import { defaultPlaybookFile } from "../support/paths.ts";

describe("what the pager is told, in order", () => {
  it("brings the pager from what it was told to what it should show, never skipping the trigger", () => {
    expect(callsBetween(null, "triggered")).toEqual(["trigger"]);
    expect(callsBetween(null, "acknowledged")).toEqual(["trigger", "acknowledge"]);
    expect(callsBetween("triggered", "resolved")).toEqual(["resolve"]);
    expect(callsBetween("acknowledged", "resolved")).toEqual(["resolve"]);
    expect(callsBetween("resolved", "resolved")).toEqual([]);
  });

  it("never wakes anyone for an incident resolved before the pager heard of it", () => {
    expect(callsBetween(null, "resolved")).toEqual([]);
  });
});

describe("which pager a page goes to", () => {
  it("takes the level's pager, else the role's, else Slack", () => {
    const book = loadPlaybook(defaultPlaybookFile);
    // The default playbook pages the IC on PagerDuty too, and the tech lead on Slack only.
    expect(pagerFor(book, "incident_commander", 0)).toBe("pagerduty");
    expect(pagerFor(book, "tech_lead", 0)).toBe("slack");
    const engineering = book.escalationPolicies.engineering!;
    const withPagers = {
      ...book,
      roles: { ...book.roles, incident_commander: { ...book.roles.incident_commander!, pager: "opsgenie" as const } },
      escalationPolicies: {
        ...book.escalationPolicies,
        engineering: { ...engineering, levels: [{ ...engineering.levels[0]!, pager: "pagerduty" as const }, ...engineering.levels.slice(1)] },
      },
    };
    expect(pagerFor(withPagers, "incident_commander", 0)).toBe("pagerduty");
    expect(pagerFor(withPagers, "incident_commander", 1)).toBe("opsgenie");
    expect(pagerFor(withPagers, "tech_lead", 1)).toBe("slack");
  });
});
