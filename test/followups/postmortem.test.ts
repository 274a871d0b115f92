import { afterEach, describe, expect, it } from "vitest";
import { type GitHubEmulator, startGitHubEmulator } from "../../tools/emulators/github/index.ts";
import { githubIssueKind, issueTimerKey } from "../../src/capabilities/followups/github-outbox.ts";
import { formatTime } from "../../src/capabilities/followups/postmortem/markdown.ts";
import { reviewReminderKey } from "../../src/capabilities/followups/postmortem/service.ts";
import { ownerBlockId, postmortemActionIds } from "../../src/capabilities/followups/postmortem/views.ts";
import { type TestBot, startTestBot } from "../support/bot.ts";
import { ManualClock, hours, minutes } from "../support/clock.ts";
import { quietPlaybook } from "../support/playbooks.ts";

let bot: TestBot;
let channelId: string;
let github: GitHubEmulator | undefined;

afterEach(async () => {
  await bot?.dispose();
  await github?.close();
  github = undefined;
});

const days = (n: number) => n * 24 * hours(1);
const prisma = () => bot.app.db.prisma;
const incident = () => prisma().incident.findFirstOrThrow();
const postmortemRow = async () => prisma().postmortem.findUniqueOrThrow({ where: { incidentId: (await incident()).id } });
const channelMessages = () => bot.emulator.world.messages(channelId);
const ownerPrompts = () => channelMessages().filter((m) => m.text.includes("Who owns the postmortem?"));
const reminders = () => channelMessages().filter((m) => m.text.includes("is due for review now"));
const lastEphemeral = (userId: string) => bot.emulator.ephemeralsFor(userId).at(-1)?.text ?? "";

async function start(env: Record<string, string> = {}, githubEmulator?: GitHubEmulator) {
  // A Monday in November: London is on GMT (no summer time), so UTC and local times differ only by zone name.
  bot = await startTestBot({
    label: "postmortem",
    clock: new ManualClock(new Date("2026-11-23T09:42:00Z")),
    playbook: quietPlaybook(),
    env,
    ...(githubEmulator ? { github: githubEmulator } : {}),
  });
}

async function command(text: string, userId = "U0ALICE") {
  await bot.send.slashCommand(text, { userId, channelId });
  await bot.settle();
}

/** A real incident through the bot: declared, updated, a role, an action item, resolved. */
async function runIncident() {
  await bot.send.slashCommand("declare sev2 Checkout <!channel> returning 500s", { userId: "U0ALICE" });
  await bot.settle();
  channelId = (await incident()).channelId!;
  await bot.advance(minutes(7));
  await command("update identified Bad deploy of checkout-api 4.2 <!here>; rolling back");
  await bot.advance(minutes(5));
  await command("role tech_lead <@U0BOB|bob>");
  await bot.advance(minutes(20));
  await command("action Alert on queue depth <!channel> <@U0CAROL|carol> due:2026-12-01");
  await bot.advance(minutes(33));
  await command("resolve Rolled back to 4.1 <!everyone>");
}

/** Presses a control on a posted message, with a response_url bound to that message (as Slack sends). */
async function pressOnMessage(
  messageTs: string,
  userId: string,
  action: { action_id: string; block_id: string; type: string; value?: string; selected_user?: string },
) {
  await bot.send.blockAction(action, {
    userId,
    channelId,
    messageTs,
    responseUrl: bot.emulator.responseUrl(channelId, userId, { messageTs }),
  });
  await bot.settle();
}

describe("/incident postmortem with GitHub off", () => {
  it("The Markdown contains every section and the real timeline in order", async () => {
    await start();
    await runIncident();
    await command("postmortem", "U0CAROL");

    expect(lastEphemeral("U0CAROL")).toContain("Drafted the INC-1 postmortem and uploaded it to");
    const row = await postmortemRow();
    expect(row.githubState).toBe("off");
    expect(row.draftedBy).toBe("U0CAROL");
    const markdown = row.markdown!;

    const headings = markdown.split("\n").filter((line) => line.startsWith("## "));
    expect(headings).toEqual(["## Summary", "## Impact", "## Timeline", "## Root causes", "## Resolution", "## Action items"]);

    // Every timeline event, in the order it happened, at its time in Europe/London.
    const events = await prisma().timelineEvent.findMany({
      where: { incidentId: (await incident()).id },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
    });
    expect(events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(["declared", "status_update", "role_assigned", "action_item_added", "resolved"]),
    );
    const timelineLines = markdown.split("## Timeline")[1]!.split("## Root causes")[0]!.trim().split("\n");
    expect(timelineLines).toHaveLength(events.length);
    expect(timelineLines.map((line) => /^- \*\*(.+?)\*\*/.exec(line)?.[1])).toEqual(
      events.map((e) => formatTime(e.occurredAt, "Europe/London")),
    );
    const line = (kind: string) => timelineLines[events.findIndex((e) => e.kind === kind)]!;
    expect(line("declared")).toBe("- **2026-11-23 09:42 GMT** Declared as SEV2 by Alice Anders: Checkout &lt;!channel&gt; returning 500s");
    expect(line("status_update")).toBe(
      "- **2026-11-23 09:49 GMT** Status update (identified) by Alice Anders: Bad deploy of checkout-api 4.2 &lt;!here&gt;; rolling back",
    );
    expect(timelineLines).toContain("- **2026-11-23 09:54 GMT** Bob Brown became Technical lead by Alice Anders");
    expect(line("action_item_added")).toBe("- **2026-11-23 10:14 GMT** Action item added by Alice Anders: Alert on queue depth &lt;!channel&gt;");
    expect(line("resolved")).toBe("- **2026-11-23 10:47 GMT** Resolved by Alice Anders: Rolled back to 4.1 &lt;!everyone&gt;");

    expect(markdown).toContain("- **Duration:** 1 h 5 min");
    expect(markdown).toContain("Rolled back to 4.1 &lt;!everyone&gt;\n\nResolved 2026-11-23 10:47 GMT by Alice Anders.");
    expect(markdown).toContain("- [ ] Alert on queue depth &lt;!channel&gt; · owner Carol Chen · due 2026-12-01 · tracked locally");
    expect(markdown).toContain("- **Review due:** 2026-11-28 10:47 GMT");
    expect(markdown).not.toMatch(/<!(channel|here|everyone)>/);

    // With GitHub off the team still gets it: the same Markdown, uploaded to the incident channel.
    const file = bot.emulator.world.files.find((f) => f.name === "INC-1-postmortem.md");
    expect(file?.bytes?.toString("utf8")).toBe(markdown);

    // Nothing anyone typed pinged anybody on its way into Slack.
    const posted = [
      ...channelMessages(),
      ...bot.emulator.world.messages("C0INCIDENTS"),
      ...bot.emulator.world.threadReplies("C0INCIDENTS", bot.emulator.world.messages("C0INCIDENTS")[0]!.ts),
    ];
    expect(posted.length).toBeGreaterThan(5);
    for (const message of posted) {
      expect(JSON.stringify({ text: message.text, blocks: message.blocks })).not.toMatch(/<!(channel|here|everyone)>/);
    }
    for (const user of ["U0ALICE", "U0CAROL"]) {
      for (const ephemeral of bot.emulator.ephemeralsFor(user)) expect(ephemeral.text).not.toMatch(/<!(channel|here|everyone)>/);
    }
  });

  it("a second run refreshes the stored draft and uploads it again; still no GitHub issue", async () => {
    await start();
    await runIncident();
    await command("postmortem");
    const first = await postmortemRow();
    await bot.advance(minutes(10));
    await command("action Canary deploys");
    // Action items can only be added to the incident; run postmortem again to pick it up.
    await command("postmortem", "U0BOB");
    const second = await postmortemRow();
    expect(second.draftedBy).toBe("U0BOB");
    expect(second.draftedAt!.getTime()).toBeGreaterThan(first.draftedAt!.getTime());
    expect(second.markdown).toContain("- [ ] Canary deploys · tracked locally");
    expect(second.githubState).toBe("off");
    expect(bot.emulator.world.files.filter((f) => f.name === "INC-1-postmortem.md")).toHaveLength(2);
    expect(await prisma().timer.count({ where: { kind: githubIssueKind } })).toBe(0);
  });

  it("refuses an incident that is not resolved, and writes nothing", async () => {
    await start();
    await bot.send.slashCommand("declare sev3 Search is slow", { userId: "U0ALICE" });
    await bot.settle();
    channelId = (await incident()).channelId!;
    await command("postmortem");
    expect(lastEphemeral("U0ALICE")).toContain("INC-1 is still investigating. Resolve it first");
    expect(await prisma().postmortem.count()).toBe(0);
    const response = await bot.send.slashCommand("postmortem INC-1 please", { userId: "U0ALICE", channelId });
    expect(((await response.json()) as { text: string }).text).toContain("takes only an incident");
  });
});

describe("the postmortem owner and the review reminder", () => {
  it("resolve asks for an owner; the button records who took it; one reminder at the review deadline", async () => {
    await start();
    await runIncident();
    const resolvedAt = (await incident()).resolvedAt!;

    expect(ownerPrompts()).toHaveLength(1);
    const prompt = ownerPrompts()[0]!;
    expect(prompt.text).toContain("*INC-1: Checkout &lt;!channel&gt; returning 500s* is resolved. Who owns the postmortem?");
    expect(prompt.text).toContain("due for review by Saturday 28 November 2026, 10:47 GMT (5 days)");
    const row = await postmortemRow();
    expect(row.ownerId).toBeNull();
    expect(row.reviewDueAt).toEqual(new Date(resolvedAt.getTime() + days(5)));
    expect(await prisma().timer.findUniqueOrThrow({ where: { key: reviewReminderKey(row.incidentId) } })).toMatchObject({
      state: "pending",
      dueAt: row.reviewDueAt,
    });

    await pressOnMessage(prompt.ts, "U0CAROL", {
      type: "button",
      action_id: postmortemActionIds.takeOwnership,
      block_id: ownerBlockId(row.incidentId),
      value: row.incidentId,
    });
    expect((await postmortemRow()).ownerId).toBe("U0CAROL");
    const updated = channelMessages().find((m) => m.ts === prompt.ts)!;
    expect(updated.text).toContain("<@U0CAROL> owns the postmortem; it is due for review by Saturday 28 November 2026, 10:47 GMT.");

    // Handing it on with the user picker: the latest choice stands.
    await pressOnMessage(prompt.ts, "U0CAROL", {
      type: "users_select",
      action_id: postmortemActionIds.chooseOwner,
      block_id: ownerBlockId(row.incidentId),
      selected_user: "U0DAVE",
    });
    expect((await postmortemRow()).ownerId).toBe("U0DAVE");
    expect(channelMessages().find((m) => m.ts === prompt.ts)!.text).toContain("<@U0DAVE> owns the postmortem (chosen by <@U0CAROL>)");

    await bot.advance(days(5) - minutes(1));
    expect(reminders()).toHaveLength(0);
    await bot.advance(minutes(2));
    expect(reminders()).toHaveLength(1);
    expect(reminders()[0]!.text).toContain("<@U0DAVE>, the postmortem for *INC-1: Checkout &lt;!channel&gt; returning 500s* is due for review now");
    expect(reminders()[0]!.text).toContain("There is no draft yet");
    await bot.advance(days(3));
    expect(reminders()).toHaveLength(1);
  });

  it("no owner: the reminder goes to the IC; reopened before the deadline: no reminder", async () => {
    await start();
    await runIncident();
    await bot.advance(days(5) + minutes(1));
    expect(reminders()).toHaveLength(1);
    expect(reminders()[0]!.text).toContain("<@U0ALICE> (incident commander; nobody took the postmortem)");

    await bot.dispose();
    await start();
    await runIncident();
    await bot.advance(days(1));
    await command("reopen");
    expect((await incident()).status).not.toBe("resolved");
    await bot.advance(days(5));
    expect(reminders()).toHaveLength(0);
  });

  it("resolving again after a reopen moves the deadline and asks again, keeping the owner", async () => {
    await start();
    await runIncident();
    const incidentId = (await incident()).id;
    await pressOnMessage(ownerPrompts()[0]!.ts, "U0BOB", {
      type: "button",
      action_id: postmortemActionIds.takeOwnership,
      block_id: ownerBlockId(incidentId),
      value: incidentId,
    });
    await bot.advance(days(1));
    await command("reopen");
    await bot.advance(hours(2));
    const ownerNotes = () => channelMessages().filter((message) => message.text.includes("<@U0BOB> owns the postmortem; it is due for review by"));
    const ownerNotesBefore = ownerNotes().length;
    const postsBefore = channelMessages().length;
    await command("resolve Really fixed now");
    const resolvedAgainAt = (await incident()).resolvedAt!;
    expect((await postmortemRow()).reviewDueAt).toEqual(new Date(resolvedAgainAt.getTime() + days(5)));
    expect((await postmortemRow()).ownerId).toBe("U0BOB");
    // The resolve queues several channel posts in one commit (the resolution, the "resolved" notice
    // draft, the owner's note), delivered one per second in no promised order among themselves:
    // let them all out, then look at what this resolve added.
    await bot.advance(30_000);
    const added = channelMessages().slice(postsBefore);
    expect(added.some((message) => message.text.includes("Really fixed now"))).toBe(true);
    expect(ownerNotes().length - ownerNotesBefore, "one new owner note for the second resolve").toBe(1);

    // The first deadline passes quietly; the new one reminds once.
    await bot.advance(days(4));
    expect(reminders()).toHaveLength(0);
    await bot.advance(days(1) + minutes(1));
    expect(reminders()).toHaveLength(1);
  });
});

describe("with GitHub configured (GitHub API emulator)", () => {
  it("opens one postmortem issue through the outbox; running it again points at it and opens no second one", async () => {
    const gh = await startGitHubEmulator();
    github = gh;
    await start({}, gh);
    await runIncident();
    const incidentId = (await incident()).id;
    await command("postmortem");
    expect(lastEphemeral("U0ALICE")).toContain("Its GitHub issue (label `postmortem`) is queued");

    const timer = await prisma().timer.findUniqueOrThrow({ where: { key: issueTimerKey({ type: "postmortem", id: incidentId }) } });
    expect(timer.kind).toBe(githubIssueKind);
    const creates = () => gh.callsTo("POST /repos/:owner/:repo/issues");
    const postmortemCreates = () => creates().filter((call) => (call.body as { labels: string[] }).labels.includes("postmortem"));
    expect(postmortemCreates()).toHaveLength(1);
    const row = await postmortemRow();
    const sent = postmortemCreates()[0]!.body as { body: string };
    expect(sent.body.startsWith(row.markdown!)).toBe(true);
    const created = postmortemCreates()[0]!.response as { number: number; html_url: string };
    expect(row).toMatchObject({ githubState: "created", githubNumber: created.number, githubUrl: created.html_url });
    // The outbox posts the link; with GitHub on, nothing is uploaded.
    expect(channelMessages().some((m) => m.text.includes(`<${created.html_url}|#${created.number}>`))).toBe(true);
    expect(bot.emulator.world.files.filter((f) => f.name === "INC-1-postmortem.md")).toHaveLength(0);

    await bot.advance(minutes(1));
    await command("action Canary deploys");
    await command("postmortem", "U0BOB");
    expect(lastEphemeral("U0BOB")).toContain(
      `already open as <${created.html_url}|GitHub issue #${created.number}>; no second issue was opened`,
    );
    expect(postmortemCreates()).toHaveLength(1);
    const after = await postmortemRow();
    expect(after).toMatchObject({ githubState: "created", githubNumber: created.number, draftedBy: "U0BOB" });
    expect(after.markdown).toContain("Canary deploys");

    // The review reminder links to the issue.
    await bot.advance(days(5));
    expect(reminders()).toHaveLength(1);
    expect(reminders()[0]!.text).toContain(`It is <${created.html_url}|GitHub issue #${created.number}>.`);
  });
});
