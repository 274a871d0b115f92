import type { ItemWithIncident } from "../../src/capabilities/followups/manager/queries.ts";

/**
 * An action item row as the manager views read it, for the pure renderers'
 * tests. Item `n` gets a distinct id, and an incident among 60.
 */
export function actionItemRow(n: number, overrides: Partial<ItemWithIncident> = {}): ItemWithIncident {
  const created = new Date("2026-11-01T00:00:00Z");
  return {
    id: `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`,
    incidentId: "00000000-0000-0000-0000-000000000000",
    text: `Item ${n}`,
    ownerId: "U0ALICE",
    dueOn: null,
    createdBy: "U0BOB",
    createdAt: created,
    state: "open",
    doneAt: null,
    doneBy: null,
    sourceUrl: null,
    githubState: "off",
    githubNumber: null,
    githubUrl: null,
    githubAssignee: null,
    githubAttemptedAt: null,
    githubSyncedAt: null,
    updatedAt: created,
    incident: { number: (n % 60) + 1, title: "t", channelId: null },
    ...overrides,
  };
}
