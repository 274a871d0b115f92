import { afterEach, describe, expect, it } from "vitest";
import { loadPlaybook } from "../../src/core/config/playbook.ts";
import { newTriggerId } from "../../tools/emulators/slack/signed-requests.ts";
import { markActionItemDoneActionId } from "../../src/capabilities/followups/action-items.ts";
import { captureShortcutIds } from "../../src/capabilities/followups/capture-views.ts";
import { actionIds, callbackIds, declareBlockIds, updateBlockIds } from "../../src/capabilities/incidents/views.ts";
import { pagingActionIds } from "../../src/capabilities/paging/views.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { ManualClock, minutes } from "../support/clock.ts";
import { defaultPlaybookFile } from "../support/paths.ts";
import { quietPlaybook } from "../support/playbooks.ts";
import { tableDigests } from "../support/snapshots.ts";

/**
 * The findings of the trust review about private incidents, cross-incident
 * payloads and surfaces without a response_url, each reproduced through
 * signed requests into /slack/events.
 */

const secretTitle = "Payroll export leaked";
const secretSummary = "Every salary was in the export.";
let bot: TestBot;

afterEach(async () => {
  await bot?.dispose();
});

async function start(playbook = quietPlaybook()) {
  bot = await startTestBot({ label: "private-incidents", clock: new ManualClock(new Date("2026-11-30T09:00:00Z")), playbook });
}

async function declarePrivate(severity = "SEV2"): Promise<{ id: string; number: number; channelId: string }> {
  await bot.send.viewSubmission(
    {
      callback_id: callbackIds.declare,
      values: {
        [declareBlockIds.title]: { value: { type: "plain_text_input", value: secretTitle } },
        [declareBlockIds.severity]: { value: { type: "static_select", selected_option: { value: severity } } },
        [declareBlockIds.summary]: { value: { type: "plain_text_input", value: secretSummary } },
        [declareBlockIds.visibility]: { value: { type: "radio_buttons", selected_option: { value: "yes" } } },
      },
    },
    "U0ALICE",
  );
  await bot.settle();
  const incident = await bot.app.db.prisma.incident.findFirstOrThrow({ where: { isPrivate: true }, orderBy: { number: "desc" } });
  return { id: incident.id, number: incident.number, channelId: incident.channelId! };
}

async function declarePublic(title: string): Promise<{ id: string; number: number; channelId: string }> {
  await bot.send.slashCommand(`declare sev2 ${title}`, { userId: "U0BOB" });
  await bot.settle();
  const incident = await bot.app.db.prisma.incident.findFirstOrThrow({ where: { title } });
  return { id: incident.id, number: incident.number, channelId: incident.channelId! };
}

const lastAnswer = (userId: string) => bot.emulator.ephemeralsFor(userId).at(-1)?.text ?? "";
const everythingSeenBy = (userId: string) =>
  [
    ...bot.emulator.ephemeralsFor(userId).map((ephemeral) => ephemeral.text + JSON.stringify(ephemeral.blocks ?? [])),
    ...(bot.emulator.world.dmWith(userId) ? bot.emulator.world.messages(bot.emulator.world.dmWith(userId)!.id).map((m) => m.text + JSON.stringify(m.blocks ?? [])) : []),
  ].join("\n");

describe("paging is no way into a private incident (finding 2)", () => {
  it("refuses an outsider paging themselves, and an insider paging an outsider", async () => {
    await start();
    const incident = await declarePrivate();
    const before = await tableDigests(bot.app.db.prisma);

    await bot.send.slashCommand(`page INC-${incident.number} <@U0DAVE|dave>`, { userId: "U0DAVE", channelId: "C0GENERAL" });
    await bot.settle();
    expect(lastAnswer("U0DAVE")).toContain(`INC-${incident.number} is a private incident`);

    await bot.send.slashCommand(`page <@U0DAVE|dave> help please`, { userId: "U0ALICE", channelId: incident.channelId });
    await bot.settle();
    expect(lastAnswer("U0ALICE")).toContain("<@U0DAVE> is not in it");

    expect(await tableDigests(bot.app.db.prisma)).toEqual(before);
    expect(bot.emulator.world.isMember(incident.channelId, "U0DAVE")).toBe(false);
    expect(everythingSeenBy("U0DAVE")).not.toContain(secretTitle);
  });

  it("pages a person already inside, and the page DM of a private incident names no title or summary", async () => {
    const playbook = loadPlaybook(defaultPlaybookFile);
    await start({ ...playbook, checklists: {} });
    // SEV1 pages its roles through the playbook's escalation policies: people not yet inside.
    const incident = await declarePrivate("SEV1");
    const pages = await bot.app.db.prisma.page.findMany({ where: { incidentId: incident.id } });
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) {
      const dm = bot.emulator.world.dmWith(page.userId)!;
      const texts = bot.emulator.world.messages(dm.id).map((message) => message.text + JSON.stringify(message.blocks ?? []));
      expect(texts.join("\n")).toContain(`a private incident, *INC-${incident.number}*`);
      expect(texts.join("\n")).not.toContain(secretTitle);
      expect(texts.join("\n")).not.toContain(secretSummary);
    }

    bot.emulator.world.addMembers(incident.channelId, ["U0BOB"], "U0ALICE");
    await bot.send.slashCommand(`page <@U0BOB|bob> need you`, { userId: "U0ALICE", channelId: incident.channelId });
    await bot.settle();
    expect(lastAnswer("U0ALICE")).toContain("Paged <@U0BOB>");
  });

  it("lets only the person paged acknowledge, and an outsider pressing someone else's page gets nothing", async () => {
    const playbook = loadPlaybook(defaultPlaybookFile);
    await start({ ...playbook, checklists: {} });
    const incident = await declarePrivate("SEV1");
    const page = await bot.app.db.prisma.page.findFirstOrThrow({ where: { incidentId: incident.id, state: "open" } });
    const someoneElse = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"].find((user) => user !== page.userId)!;
    const before = await tableDigests(bot.app.db.prisma);
    await bot.send.blockAction({ action_id: pagingActionIds.acknowledge, value: page.id }, { userId: someoneElse, channelId: "C0GENERAL" });
    await bot.settle();
    expect(lastAnswer(someoneElse)).toBe(`This page is for <@${page.userId}>.`);
    expect(await tableDigests(bot.app.db.prisma)).toEqual(before);
  });
});

describe("an old page is no way back in", () => {
  it("refuses an acknowledgement by hand-paged person who has left the private channel since", async () => {
    await start();
    const incident = await declarePrivate();
    bot.emulator.world.addMembers(incident.channelId, ["U0BOB"], "U0ALICE");
    await bot.send.slashCommand("page <@U0BOB|bob> have a look", { userId: "U0ALICE", channelId: incident.channelId });
    await bot.settle();
    const page = await bot.app.db.prisma.page.findFirstOrThrow({ where: { incidentId: incident.id, userId: "U0BOB" } });
    // Bob leaves (or is removed); Slack says so.
    const channel = bot.emulator.world.channel(incident.channelId)!;
    channel.members = channel.members.filter((member) => member !== "U0BOB");
    await bot.send.event({ type: "member_left_channel", user: "U0BOB", channel: incident.channelId }, { eventId: "EvLeftBob" });
    await bot.settle();
    const before = await tableDigests(bot.app.db.prisma);
    await bot.send.blockAction({ action_id: pagingActionIds.acknowledge, value: page.id }, { userId: "U0BOB", channelId: "C0GENERAL" });
    await bot.settle();
    expect(lastAnswer("U0BOB")).toContain("is a private incident");
    expect(await tableDigests(bot.app.db.prisma)).toEqual(before);
    expect(bot.emulator.world.isMember(incident.channelId, "U0BOB")).toBe(false);
  });
});

describe("publishing is also changing an incident the status page shows", () => {
  it("refuses a severity change by the tech lead once the incident has a public update", async () => {
    await start();
    const incident = await declarePublic("Public and visible");
    await bot.send.slashCommand("role tech_lead <@U0DAVE|dave>", { userId: "U0BOB", channelId: incident.channelId });
    // The role must be his before he uses it: commands' work runs concurrently after their acks.
    await bot.settle();
    await bot.send.slashCommand("severity sev3", { userId: "U0DAVE", channelId: incident.channelId });
    await bot.settle();
    expect((await bot.app.db.prisma.incident.findUniqueOrThrow({ where: { id: incident.id } })).severity).toBe("SEV3");
    await bot.send.slashCommand("update identified Cause found --public", { userId: "U0BOB", channelId: incident.channelId });
    await bot.settle();
    const before = await tableDigests(bot.app.db.prisma);
    await bot.send.slashCommand("severity sev1", { userId: "U0DAVE", channelId: incident.channelId });
    await bot.settle();
    expect(lastAnswer("U0DAVE")).toContain("can publish to the status page for");
    expect(await tableDigests(bot.app.db.prisma)).toEqual(before);
  });
});

describe("private incidents are shown only to the people in them (finding 4)", () => {
  it("keeps the private title out of list, status, email and the App Home for an outsider", async () => {
    await start();
    const incident = await declarePrivate();
    await declarePublic("Checkout slow");
    const opensBefore = bot.emulator.callsTo("views.open").length;

    for (const text of ["list", `status INC-${incident.number}`, `email INC-${incident.number}`, "actions all"]) {
      await bot.send.slashCommand(text, { userId: "U0DAVE", channelId: "C0GENERAL" });
      await bot.settle();
    }
    await bot.send.event({ type: "app_home_opened", user: "U0DAVE", tab: "home", channel: "D0DAVE" }, { eventId: "EvHomeDave" });
    await bot.settle();

    expect(everythingSeenBy("U0DAVE")).not.toContain(secretTitle);
    expect(everythingSeenBy("U0DAVE")).toContain("Checkout slow");
    expect(bot.emulator.callsTo("views.open")).toHaveLength(opensBefore);
    const home = bot.emulator.callsTo("views.publish").filter((call) => call.args.user_id === "U0DAVE").at(-1)!;
    expect(JSON.stringify(home.args.view)).not.toContain(secretTitle);
    expect(JSON.stringify(home.args.view)).toContain("Checkout slow");

    // Someone the IC brings into the channel sees it from then on.
    bot.emulator.world.addMembers(incident.channelId, ["U0DAVE"], "U0ALICE");
    await bot.send.event({ type: "member_joined_channel", user: "U0DAVE", channel: incident.channelId }, { eventId: "EvJoinDave" });
    await bot.settle();
    await bot.send.slashCommand("list", { userId: "U0DAVE", channelId: "C0GENERAL" });
    await bot.settle();
    expect(JSON.stringify(bot.emulator.ephemeralsFor("U0DAVE").at(-1)!.blocks)).toContain(secretTitle);
  });
});

describe("publishing is a permission (finding 6) and the update form asks what the command asks (finding 3)", () => {
  it("refuses --public and a Resolved update form from someone without the permission", async () => {
    await start();
    const incident = await declarePublic("Search down");
    const before = await tableDigests(bot.app.db.prisma);
    await bot.send.slashCommand(`update INC-${incident.number} monitoring We are hacked --public`, { userId: "U0DAVE", channelId: "C0GENERAL" });
    await bot.settle();
    expect(lastAnswer("U0DAVE")).toContain("can publish to the status page for");

    // The form as Slack would submit it: opened by dave from the incident's button, then "Resolved".
    await bot.send.blockAction({ action_id: actionIds.postUpdate, value: incident.id }, { userId: "U0DAVE", channelId: incident.channelId });
    await bot.settle();
    const form = bot.emulator.callsTo("views.open").at(-1)!.args.view as { private_metadata: string };
    const submitted = await bot.send.viewSubmission(
      {
        callback_id: callbackIds.update,
        private_metadata: form.private_metadata,
        values: {
          [updateBlockIds.status]: { value: { type: "static_select", selected_option: { value: "resolved" } } },
          [updateBlockIds.message]: { value: { type: "plain_text_input", value: "Closing it" } },
        },
      },
      "U0DAVE",
    );
    const answer = (await submitted.json()) as { response_action: string; errors: Record<string, string> };
    expect(answer.response_action).toBe("errors");
    expect(answer.errors[updateBlockIds.status]).toContain("can resolve or reopen");
    await bot.settle();
    expect(await tableDigests(bot.app.db.prisma)).toEqual(before);
    const page = await fetch(`${bot.app.url}/api/v2/summary.json`).then((response) => response.text());
    expect(page).not.toContain("We are hacked");
  });
});

describe("ids in payloads are checked against where they came from (finding 8)", () => {
  it("refuses a button carrying another incident's id, and a snooze never brings a reminder closer", async () => {
    await start();
    const mine = await declarePublic("Mine");
    const theirs = await declarePrivate();
    await bot.send.slashCommand("action Rotate the keys", { userId: "U0ALICE", channelId: theirs.channelId });
    await bot.settle();
    const item = await bot.app.db.prisma.actionItem.findFirstOrThrow();
    const before = await tableDigests(bot.app.db.prisma);

    for (const action of [
      { action_id: actionIds.showStatus, value: theirs.id },
      { action_id: actionIds.snoozeReminder, value: theirs.id },
      { action_id: markActionItemDoneActionId, value: item.id },
    ]) {
      await bot.send.blockAction(action, { userId: "U0BOB", channelId: mine.channelId });
      await bot.settle();
      expect(lastAnswer("U0BOB")).toMatch(/belongs to another incident's channel/);
    }
    expect(await tableDigests(bot.app.db.prisma)).toEqual(before);
    expect(everythingSeenBy("U0BOB")).not.toContain(secretTitle);
  });

  it("refuses forms whose metadata was forged, swapped to another incident, or sealed for someone else", async () => {
    await start();
    const mine = await declarePublic("Mine");
    const theirs = await declarePublic("Theirs");
    await bot.send.blockAction({ action_id: actionIds.postUpdate, value: mine.id }, { userId: "U0BOB", channelId: mine.channelId });
    await bot.settle();
    const sealed = (bot.emulator.callsTo("views.open").at(-1)!.args.view as { private_metadata: string }).private_metadata;
    const swapped = JSON.stringify({ ...JSON.parse(sealed), incidentId: theirs.id });
    const values = {
      [updateBlockIds.status]: { value: { type: "static_select", selected_option: { value: "monitoring" } } },
      [updateBlockIds.message]: { value: { type: "plain_text_input", value: "Looks fine" } },
    };
    const before = await tableDigests(bot.app.db.prisma);
    for (const [metadata, userId] of [
      [JSON.stringify({ incidentId: theirs.id }), "U0BOB"],
      [swapped, "U0BOB"],
      [sealed, "U0CAROL"],
    ] as const) {
      const response = await bot.send.viewSubmission({ callback_id: callbackIds.update, private_metadata: metadata, values }, userId);
      const answer = (await response.json()) as { errors: Record<string, string> };
      expect(answer.errors[updateBlockIds.status]).toContain("out of date or was not opened by you");
    }
    await bot.settle();
    expect(await tableDigests(bot.app.db.prisma)).toEqual(before);

    // The real one goes through.
    const response = await bot.send.viewSubmission({ callback_id: callbackIds.update, private_metadata: sealed, values }, "U0BOB");
    expect(await response.text()).toBe("");
    await bot.settle();
    expect((await bot.app.db.prisma.incident.findUniqueOrThrow({ where: { id: mine.id } })).status).toBe("monitoring");
  });

  it("snoozing can only postpone the next reminder", async () => {
    await start();
    const incident = await declarePublic("Reminders");
    const dueAt = async () => (await bot.app.db.prisma.timer.findFirstOrThrow({ where: { kind: "update.reminder" } })).dueAt.getTime();
    const first = await dueAt();
    await bot.send.blockAction({ action_id: actionIds.snoozeReminder, value: incident.id }, { userId: "U0BOB", channelId: incident.channelId });
    await bot.settle();
    expect(await dueAt()).toBe(first);
    await bot.advance(minutes(25));
    await bot.send.blockAction({ action_id: actionIds.snoozeReminder, value: incident.id }, { userId: "U0BOB", channelId: incident.channelId });
    await bot.settle();
    expect(await dueAt()).toBe(bot.clock.now().getTime() + minutes(15));
  });
});

describe("a message shortcut without a response_url (finding 14)", () => {
  it("answers through chat.postEphemeral instead of throwing", async () => {
    await start();
    const incident = await declarePublic("Shortcut surface");
    const intro = (await bot.app.db.prisma.incident.findUniqueOrThrow({ where: { id: incident.id } })).introTs!;
    const response = await bot.send.interactive({
      type: "message_action",
      callback_id: captureShortcutIds.addToTimeline,
      trigger_id: newTriggerId(),
      team: { id: "T0TEAM", domain: "example" },
      user: { id: "U0BOB", name: "bob" },
      channel: { id: incident.channelId, name: "incident" },
      message: { type: "message", ts: intro, text: "Rolled back", user: "U0BOB" },
      message_ts: intro,
      action_ts: "1.1",
    });
    expect(response.status).toBe(200);
    await bot.settle();
    const ephemerals = bot.emulator.callsTo("chat.postEphemeral").filter((call) => call.args.user === "U0BOB");
    expect(ephemerals.at(-1)?.args.text).toContain(`Added to the INC-${incident.number} timeline`);
    expect(await bot.app.db.prisma.timelineEvent.count({ where: { kind: "message_pinned" } })).toBe(1);
  });
});
