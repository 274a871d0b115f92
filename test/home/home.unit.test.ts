import { describe, expect, it } from "vitest";
import { findBlockProblems } from "../../tools/emulators/slack/block-kit.ts";
import type { ItemWithIncident } from "../../src/capabilities/followups/manager/queries.ts";
import type { IncidentWithRoles } from "../../src/domain/incidents/repository.ts";
import { type HomeData, renderHome } from "../../src/capabilities/followups/manager/home-views.ts";
import { actionItemRow } from "../support/factories.ts";

const now = new Date("2026-11-23T09:00:00Z");

function incident(n: number, roles: { role: string; userId: string }[] = []): IncidentWithRoles {
  const id = `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`;
  return {
    id,
    number: n,
    title: `<!channel> ${"Checkout is down ".repeat(12)}`,
    severity: "sev1",
    status: "investigating",
    summary: "",
    components: [],
    customerImpact: false,
    isPrivate: false,
    phase: "active",
    channelId: `C0INC${n}`,
    channelName: `inc-${n}`,
    introTs: null,
    announcementChannelId: null,
    announcementTs: null,
    declaredBy: "U0ALICE",
    declaredAt: now,
    acknowledgedAt: null,
    resolvedAt: null,
    lastUpdateAt: null,
    remindersSinceUpdate: 0,
    resolutionSummary: null,
    createdAt: now,
    updatedAt: now,
    roles: roles.map((role) => ({ ...role, incidentId: id, assignedBy: null, assignedAt: now })),
  };
}

function item(n: number, overrides: Partial<ItemWithIncident> = {}): ItemWithIncident {
  return actionItemRow(n, {
    id: `10000000-0000-0000-0000-${String(n).padStart(12, "0")}`,
    text: `Item ${n} <!here> ${"y".repeat(990)}`,
    dueOn: new Date("2026-11-20T00:00:00Z"),
    createdAt: now,
    updatedAt: now,
    githubState: "created",
    githubNumber: 100 + n,
    githubUrl: `https://github.com/acme/ops/issues/${100 + n}`,
    ...overrides,
  });
}

type AnyBlock = { type: string; text?: { type: string; text: string }; elements?: unknown[] };

function checkLimits(blocks: unknown[]) {
  expect(blocks.length).toBeLessThanOrEqual(100);
  expect(findBlockProblems(blocks, "home")).toEqual([]);
  for (const block of blocks as unknown as AnyBlock[]) {
    if (block.type === "section") expect(block.text!.text.length).toBeLessThanOrEqual(3000);
    if (block.type === "header") {
      expect(block.text!.type).toBe("plain_text");
      expect(block.text!.text.length).toBeLessThanOrEqual(150);
    }
    if (block.type === "context") expect(block.elements!.length).toBeLessThanOrEqual(10);
  }
}

const texts = (blocks: unknown[]) => (blocks as unknown as AnyBlock[]).map((b) => b.text?.text ?? JSON.stringify(b.elements ?? ""));

describe("the App Home renderer", () => {
  it("shows the viewer's items and the team's overdue ones, escaped and linked", () => {
    const data: HomeData = {
      openIncidents: [incident(2, [{ role: "tech_lead", userId: "U0ALICE" }]), incident(1)],
      myItems: {
        items: [item(1, { text: "Add an alert <!channel>" }), item(2, { text: "Write runbook", dueOn: new Date("2026-12-15T00:00:00Z"), githubNumber: null, githubUrl: null, githubState: "off" })],
        total: 2,
      },
      overdueItems: { items: [item(1, { text: "Add an alert <!channel>" }), item(3, { text: "Fix retries", ownerId: "U0BOB" })], total: 2 },
      now,
      timezone: "Europe/London",
    };
    const view = renderHome("U0ALICE", data);
    checkLimits(view.blocks);
    const lines = texts(view.blocks);
    expect(lines).toContain("Your action items (2)");
    expect(lines).toContain("Overdue across the team (2)");
    expect(lines).toContain(
      "*INC-2* · Add an alert &lt;!channel&gt; · <@U0ALICE> · due 2026-11-20 · <https://github.com/acme/ops/issues/101|#101> · :warning: *overdue*",
    );
    expect(lines).toContain("*INC-3* · Write runbook · <@U0ALICE> · due 2026-12-15");
    expect(lines.some((l) => l.startsWith("*INC-4* · Fix retries · <@U0BOB>"))).toBe(true);
    expect(lines.some((l) => l.startsWith("tech lead of *INC-2"))).toBe(true);
    expect(JSON.stringify(view)).not.toMatch(/<!(channel|here)>/);
  });

  it("says so when there is nothing", () => {
    const view = renderHome("U0BOB", {
      openIncidents: [],
      myItems: { items: [], total: 0 },
      overdueItems: { items: [], total: 0 },
      now,
      timezone: "UTC",
    });
    checkLimits(view.blocks);
    expect(texts(view.blocks)).toEqual(
      expect.arrayContaining(["No open incidents. :tada:", "You own no open action items.", "Nothing is overdue. :tada:"]),
    );
  });

  it("stays within limits with 60 incidents and 200 items", () => {
    const openIncidents = Array.from({ length: 60 }, (_, i) =>
      incident(i + 1, [
        { role: "incident_commander", userId: "U0ALICE" },
        { role: "tech_lead", userId: "U0ALICE" },
      ]),
    );
    const items = Array.from({ length: 200 }, (_, i) => item(i));
    // The loader caps what it reads, but the renderer must hold even if it did not.
    const view = renderHome("U0ALICE", {
      openIncidents,
      myItems: { items, total: 200 },
      overdueItems: { items, total: 200 },
      now,
      timezone: "Europe/London",
    });
    checkLimits(view.blocks);
    const lines = texts(view.blocks);
    expect(lines).toContain("Your action items (200)");
    expect(lines.filter((l) => l.includes("…and 180 more."))).toHaveLength(2);
    expect(lines.some((l) => l.includes("…and 45 more."))).toBe(true); // 60 incidents, 15 shown
    expect(lines.some((l) => l.includes("…and 110 more."))).toBe(true); // 120 roles, 10 shown
  });
});
