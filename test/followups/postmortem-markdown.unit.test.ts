import { describe, expect, it } from "vitest";
import {
  describeTimelineEvent,
  escapeMarkdown,
  formatDuration,
  formatTime,
  type PostmortemFacts,
  postmortemMaxChars,
  renderPostmortemMarkdown,
} from "../../src/capabilities/followups/postmortem/markdown.ts";
import { renderDraftReply, renderOwnerPrompt, renderReviewReminder } from "../../src/capabilities/followups/postmortem/views.ts";

const at = (iso: string) => new Date(iso);

function facts(overrides: Partial<PostmortemFacts> = {}): PostmortemFacts {
  return {
    incident: {
      number: 7,
      title: "Checkout <!channel> down",
      severity: "SEV2",
      status: "resolved",
      summary: "Card payments fail for @everyone",
      components: ["checkout-api"],
      customerImpact: true,
      declaredAt: at("2026-07-01T08:00:00Z"),
      acknowledgedAt: at("2026-07-01T08:04:00Z"),
      resolvedAt: at("2026-07-01T10:15:00Z"),
      resolutionSummary: "Rolled back 4.2",
    },
    roles: [{ role: "incident_commander", userId: "U0ALICE" }],
    timeline: [
      { kind: "resolved", actorId: "U0ALICE", occurredAt: at("2026-07-01T10:15:00Z"), data: { summary: "Rolled back 4.2" } },
      { kind: "declared", actorId: "U0ALICE", occurredAt: at("2026-07-01T08:00:00Z"), data: { severity: "SEV2", title: "Checkout <!channel> down" } },
      { kind: "status_update", actorId: "U0BOB", occurredAt: at("2026-07-01T09:00:00Z"), data: { to: "identified", message: "Bad deploy" } },
    ],
    actionItems: [
      { text: "Alert on queue depth", ownerId: "U0DAVE", dueOn: at("2026-08-01T00:00:00Z"), state: "open", githubState: "created", githubNumber: 12, githubUrl: "https://github.com/acme/ops/issues/12" },
      { text: "Canary deploys", ownerId: null, dueOn: null, state: "open", githubState: "queued", githubNumber: null, githubUrl: null },
      { text: "Runbook", ownerId: null, dueOn: null, state: "done", githubState: "off", githubNumber: null, githubUrl: null },
    ],
    ownerId: "U0BOB",
    reviewDueAt: at("2026-07-06T10:15:00Z"),
    timezone: "Europe/London",
    roleLabel: (role) => (role === "incident_commander" ? "Incident commander" : role),
    person: (id) => (id === "U0DAVE" ? "@dave" : `\`${id}\``),
    ...overrides,
  };
}

describe("renderPostmortemMarkdown", () => {
  it("has every section, in order, with the timeline sorted and shown in the team's zone", () => {
    const markdown = renderPostmortemMarkdown(facts());
    const headings = markdown.split("\n").filter((line) => line.startsWith("## "));
    expect(headings).toEqual([
      "## Summary",
      "## Impact",
      "## Timeline",
      "## Root causes",
      "## Resolution",
      "## Action items",
    ]);
    const timeline = markdown.split("## Timeline")[1]!.split("## Root causes")[0]!.trim().split("\n");
    // July: London is on summer time (UTC+1).
    expect(timeline).toEqual([
      "- **2026-07-01 09:00 GMT+1** Declared as SEV2 by `U0ALICE`: Checkout &lt;!channel&gt; down",
      "- **2026-07-01 10:00 GMT+1** Status update (identified) by `U0BOB`: Bad deploy",
      "- **2026-07-01 11:15 GMT+1** Resolved by `U0ALICE`: Rolled back 4.2",
    ]);
    expect(markdown).toContain("# INC-7 postmortem: Checkout &lt;!channel&gt; down");
    expect(markdown).toContain("Card payments fail for @\u200beveryone");
    expect(markdown).toContain("- **Duration:** 2 h 15 min");
    expect(markdown).toContain("- **Time to acknowledge:** 4 min");
    expect(markdown).toContain("- **Postmortem owner:** `U0BOB`");
    expect(markdown).not.toContain("<!channel>");
  });

  it("links action items to their issues, or says queued / tracked locally", () => {
    const items = renderPostmortemMarkdown(facts()).split("## Action items")[1]!.trim().split("\n");
    expect(items).toEqual([
      "- [ ] Alert on queue depth · owner @dave · due 2026-08-01 · [#12](https://github.com/acme/ops/issues/12)",
      "- [ ] Canary deploys · GitHub issue queued",
      "- [x] Runbook · tracked locally",
    ]);
  });

  it("keeps a huge timeline under GitHub's body limit and says how much was left out", () => {
    const timeline = Array.from({ length: 2000 }, (_, i) => ({
      kind: "status_update",
      actorId: "U0BOB",
      occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
      data: { to: "investigating", message: "x".repeat(400) },
    }));
    const markdown = renderPostmortemMarkdown(facts({ timeline }));
    expect(markdown.length).toBeLessThanOrEqual(postmortemMaxChars);
    expect(markdown).toMatch(/_…and \d+ later events; see the incident channel\._/);
    expect(markdown).toContain("## Action items");
  });

  it("a message captured with 📌 keeps its author, escaped text and permalink", () => {
    const event = {
      kind: "message_pinned",
      actorId: "U0BOB",
      data: { text: "<!channel> queue at 90%", author: "U0DAVE", permalink: "https://example.slack.com/archives/C1/p1" },
    };
    expect(describeTimelineEvent(event, facts())).toBe(
      "Message added to the timeline by `U0BOB` (message by @dave): &lt;!channel&gt; queue at 90% [link](https://example.slack.com/archives/C1/p1)",
    );
  });

  it("says which action item was done or reopened, and where", () => {
    const closed = { kind: "action_item_done", actorId: null, data: { text: "Alert on <!here> lag", githubNumber: 12, by: "bob", via: "webhook" } };
    expect(describeTimelineEvent(closed, facts())).toBe("Action item done (GitHub issue #12 closed by bob on GitHub): Alert on &lt;!here&gt; lag");
    const inSlack = { kind: "action_item_done", actorId: "U0DAVE", data: { text: "Runbook", via: "slack" } };
    expect(describeTimelineEvent(inSlack, facts())).toBe("Action item marked done by @dave: Runbook");
    const reopened = { kind: "action_item_reopened", actorId: null, data: { text: "Runbook", githubNumber: 3, by: "carol" } };
    expect(describeTimelineEvent(reopened, facts())).toBe("Action item reopened (GitHub issue #3 reopened by carol on GitHub): Runbook");
  });

  it("names unknown kinds instead of dropping them", () => {
    expect(describeTimelineEvent({ kind: "war_room_opened", actorId: null, data: {} }, facts())).toBe("war room opened");
  });
});

describe("helpers", () => {
  it("formats times with the zone's abbreviation, winter and summer", () => {
    expect(formatTime(at("2026-11-23T09:42:00Z"), "Europe/London")).toBe("2026-11-23 09:42 GMT");
    expect(formatTime(at("2026-06-23T09:42:00Z"), "Europe/London")).toBe("2026-06-23 10:42 GMT+1");
  });

  it("formats durations", () => {
    expect(formatDuration(45_000)).toBe("45 s");
    expect(formatDuration(3 * 3_600_000)).toBe("3 h");
    expect(formatDuration(26 * 3_600_000 + 60_000)).toBe("1 d 2 h");
  });

  it("escapes HTML and GitHub mentions", () => {
    expect(escapeMarkdown("<!channel> & @org/team")).toBe("&lt;!channel&gt; &amp; @\u200borg/team");
  });
});

describe("Slack views", () => {
  const incident = { id: "i-1", number: 7, title: "<!channel> down" };

  it("the owner question escapes the title and carries the incident in its controls", () => {
    const message = renderOwnerPrompt(incident, { ownerId: null, reviewDueAt: at("2026-11-28T09:42:00Z"), reviewDays: 5 }, "Europe/London");
    expect(message.text).toContain("&lt;!channel&gt; down");
    expect(message.text).toContain("Saturday 28 November 2026, 09:42 GMT");
    expect(message.text).not.toContain("<!channel>");
    expect(JSON.stringify(message.blocks)).toContain('"block_id":"postmortem-owner:i-1"');
  });

  it("the reminder names the IC when nobody owns it", () => {
    const message = renderReviewReminder(incident, { mention: "U0ALICE", isOwner: false, reviewDays: 5, hasDraft: false, githubUrl: null, githubNumber: null });
    expect(message.text).toContain("<@U0ALICE> (incident commander; nobody took the postmortem)");
  });

  it("the reply for an existing issue points at it", () => {
    expect(renderDraftReply({ number: 7 }, { kind: "exists", githubUrl: "https://github.com/acme/ops/issues/3", githubNumber: 3 }).text).toContain(
      "<https://github.com/acme/ops/issues/3|GitHub issue #3>; no second issue was opened",
    );
  });
});
