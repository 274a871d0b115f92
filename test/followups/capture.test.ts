import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  actionItemBlockIds,
  actionItemModalCallbackId,
  captureShortcutIds,
} from "../../src/capabilities/followups/capture-views.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { ManualClock } from "../support/clock.ts";
import { quietPlaybook } from "../support/playbooks.ts";

let bot: TestBot;
let channelId: string;
let incidentId: string;
let eventCounter = 0;

const postedText = "Rolled back checkout-api to 4.1 at 10:05 <!channel>";

beforeEach(async () => {
  bot = await startTestBot({
    label: "capture",
    clock: new ManualClock(new Date("2026-11-23T09:42:00Z")),
    playbook: quietPlaybook(),
  });
  await bot.send.slashCommand("declare sev2 Checkout API returning 500s", { userId: "U0ALICE" });
  await bot.settle();
  const incident = await bot.app.db.prisma.incident.findFirstOrThrow();
  channelId = incident.channelId!;
  incidentId = incident.id;
  bot.emulator.resetCalls();
});

afterEach(async () => {
  await bot.dispose();
});

/** A human message in the emulated workspace, as Slack would hold it. */
function postAsHuman(channel: string, text: string, user = "U0CAROL") {
  return bot.emulator.world.postMessage({ channel, user, text });
}

async function react(channel: string, ts: string, user: string, reaction = "pushpin") {
  eventCounter += 1;
  const response = await bot.send.event(
    {
      type: "reaction_added",
      user,
      reaction,
      item_user: "U0CAROL",
      item: { type: "message", channel, ts },
      event_ts: `${Date.now() / 1000}`,
    },
    { eventId: `EvCapture${eventCounter}` },
  );
  expect(response.status).toBe(200);
  await bot.settle();
}

async function shortcut(callbackId: string, channel: string, message: { ts: string; text: string; user: string }, user = "U0ALICE") {
  const response = await bot.send.interactive({
    type: "message_action",
    callback_id: callbackId,
    trigger_id: bot.emulator.world.issueTriggerId(user),
    user: { id: user, name: user.toLowerCase() },
    channel: { id: channel, name: "channel" },
    message: { type: "message", ...message },
    message_ts: message.ts,
    response_url: bot.emulator.responseUrl(channel, user),
    team: { id: "T0TEAM", domain: "example" },
    token: "verification-token-unused",
    action_ts: `${Date.now() / 1000}`,
  });
  expect(response.status).toBe(200);
  await bot.settle();
}

const pinnedEvents = () =>
  bot.app.db.prisma.timelineEvent.findMany({ where: { kind: "message_pinned" }, orderBy: { id: "asc" } });
const threadTexts = (ts: string) => bot.emulator.world.threadReplies(channelId, ts).map((m) => m.text);

describe("📌 reaction", () => {
  it("adds the message to the timeline once, with its text, author and permalink, and replies once in its thread", async () => {
    const message = postAsHuman(channelId, postedText);
    await react(channelId, message.ts, "U0ALICE");

    const events = await pinnedEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ incidentId, actorId: "U0ALICE" });
    expect(events[0]!.data).toMatchObject({
      channelId,
      ts: message.ts,
      text: postedText,
      author: "U0CAROL",
      permalink: expect.stringContaining(`/archives/${channelId}/p${message.ts.replace(".", "")}`),
    });
    expect(threadTexts(message.ts)).toEqual(["📌 Added to the INC-1 timeline."]);

    // Bob pins it too, and Slack redelivers Alice's event under a new id: nothing more.
    await react(channelId, message.ts, "U0BOB");
    await react(channelId, message.ts, "U0ALICE");
    expect(await pinnedEvents()).toHaveLength(1);
    expect(threadTexts(message.ts)).toHaveLength(1);
  });

  it("two people pinning at the same moment still make one event and one reply", async () => {
    const message = postAsHuman(channelId, postedText);
    const send = (user: string, eventId: string) =>
      bot.send.event(
        { type: "reaction_added", user, reaction: "pushpin", item_user: "U0CAROL", item: { type: "message", channel: channelId, ts: message.ts }, event_ts: "1.1" },
        { eventId },
      );
    const responses = await Promise.all([send("U0ALICE", "EvRaceA"), send("U0BOB", "EvRaceB"), send("U0DAVE", "EvRaceD")]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    await bot.settle();
    expect(await pinnedEvents()).toHaveLength(1);
    expect(threadTexts(message.ts)).toEqual(["📌 Added to the INC-1 timeline."]);
  });

  it("a pinned thread reply is recorded, and the bot answers in that thread, not a new one", async () => {
    const parent = postAsHuman(channelId, "Checkout errors are climbing");
    const reply = bot.emulator.world.postMessage({ channel: channelId, user: "U0DAVE", text: "Found it: bad config push", threadTs: parent.ts });
    await react(channelId, reply.ts, "U0ALICE");
    expect((await pinnedEvents()).map((e) => (e.data as { text: string }).text)).toEqual(["Found it: bad config push"]);
    expect(threadTexts(parent.ts)).toEqual(["Found it: bad config push", "📌 Added to the INC-1 timeline."]);
  });

  it("two pins of different messages are two events", async () => {
    const first = postAsHuman(channelId, "Error rate back under 1%");
    const second = postAsHuman(channelId, "Queue drained", "U0DAVE");
    await react(channelId, first.ts, "U0ALICE");
    await react(channelId, second.ts, "U0ALICE");
    expect((await pinnedEvents()).map((e) => (e.data as { text: string }).text)).toEqual([
      "Error rate back under 1%",
      "Queue drained",
    ]);
  });

  it("ignores other emoji and channels that are not incident channels", async () => {
    const message = postAsHuman(channelId, postedText);
    await react(channelId, message.ts, "U0ALICE", "eyes");
    const elsewhere = postAsHuman("C0GENERAL", "Is checkout down?");
    await react("C0GENERAL", elsewhere.ts, "U0ALICE");

    expect(await pinnedEvents()).toHaveLength(0);
    expect(threadTexts(message.ts)).toEqual([]);
    expect(bot.emulator.world.threadReplies("C0GENERAL", elsewhere.ts)).toEqual([]);
    expect(await bot.app.db.prisma.slackPost.count({ where: { key: { startsWith: "timeline-pin:" } } })).toBe(0);
  });
});

describe("Add to incident timeline shortcut", () => {
  it("does what 📌 does, tells the user, and knows when the message is already there", async () => {
    const message = postAsHuman(channelId, postedText);
    await shortcut(captureShortcutIds.addToTimeline, channelId, { ts: message.ts, text: message.text, user: "U0CAROL" });

    const events = await pinnedEvents();
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ ts: message.ts, text: postedText, author: "U0CAROL" });
    expect(threadTexts(message.ts)).toEqual(["📌 Added to the INC-1 timeline."]);
    expect(bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text).toBe("📌 Added to the INC-1 timeline.");

    await react(channelId, message.ts, "U0BOB");
    await shortcut(captureShortcutIds.addToTimeline, channelId, { ts: message.ts, text: message.text, user: "U0CAROL" });
    expect(await pinnedEvents()).toHaveLength(1);
    expect(threadTexts(message.ts)).toHaveLength(1);
    expect(bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text).toBe("That message is already on the INC-1 timeline.");
  });

  it("explains itself outside an incident channel", async () => {
    const message = postAsHuman("C0GENERAL", "Is checkout down?");
    await shortcut(captureShortcutIds.addToTimeline, "C0GENERAL", { ts: message.ts, text: message.text, user: "U0CAROL" });
    expect(await pinnedEvents()).toHaveLength(0);
    expect(bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text).toContain("not in an incident channel");
  });
});

describe("Add as action item shortcut", () => {
  type OpenedModal = {
    callback_id: string;
    private_metadata: string;
    blocks: { block_id?: string; element?: { type: string; initial_value?: string; max_length?: number } }[];
  };
  const openedModal = () => bot.emulator.callsTo("views.open").at(-1)!.args.view as OpenedModal;

  async function submit(
    privateMetadata: string,
    fields: { text: string; owner?: string; due?: string },
    userId = "U0ALICE",
  ) {
    const response = await bot.send.viewSubmission(
      {
        callback_id: actionItemModalCallbackId,
        private_metadata: privateMetadata,
        values: {
          [actionItemBlockIds.text]: { value: { type: "plain_text_input", value: fields.text } },
          [actionItemBlockIds.owner]: { value: { type: "users_select", selected_user: fields.owner ?? null } },
          [actionItemBlockIds.due]: { value: { type: "datepicker", selected_date: fields.due ?? null } },
        },
      },
      userId,
    );
    await bot.settle();
    return response;
  }

  it("opens a modal prefilled with the message text and creates the item with owner, due date and source", async () => {
    const message = postAsHuman(channelId, "We need an alert on queue depth");
    await shortcut(captureShortcutIds.addActionItem, channelId, { ts: message.ts, text: message.text, user: "U0CAROL" });

    expect(bot.emulator.callsTo("views.open")).toHaveLength(1);
    const modal = openedModal();
    expect(modal.callback_id).toBe(actionItemModalCallbackId);
    const textInput = modal.blocks.find((b) => b.block_id === actionItemBlockIds.text)!.element!;
    expect(textInput).toMatchObject({ type: "plain_text_input", initial_value: "We need an alert on queue depth", max_length: 1000 });
    expect(modal.blocks.find((b) => b.block_id === actionItemBlockIds.owner)!.element!.type).toBe("users_select");
    expect(modal.blocks.find((b) => b.block_id === actionItemBlockIds.due)!.element!.type).toBe("datepicker");
    const metadata = JSON.parse(modal.private_metadata) as { incidentId: string; permalink: string };
    expect(metadata.incidentId).toBe(incidentId);
    expect(metadata.permalink).toContain(`/archives/${channelId}/p`);

    const response = await submit(modal.private_metadata, {
      text: "Alert on queue depth above 10k",
      owner: "U0BOB",
      due: "2026-12-01",
    });
    expect(response.status).toBe(200);

    const items = await bot.app.db.prisma.actionItem.findMany();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      incidentId,
      text: "Alert on queue depth above 10k",
      ownerId: "U0BOB",
      dueOn: new Date("2026-12-01T00:00:00Z"),
      createdBy: "U0ALICE",
      sourceUrl: metadata.permalink,
      githubState: "off",
    });
    const ephemeral = bot.emulator.ephemeralsFor("U0ALICE").at(-1)!;
    expect(ephemeral.channel).toBe(channelId);
    expect(ephemeral.text).toBe(
      "Action item added to INC-1. GitHub is off (GITHUB_TOKEN and GITHUB_REPOSITORY are not set), so it is tracked here only.",
    );
    expect(await bot.app.db.prisma.timelineEvent.count({ where: { kind: "action_item_added" } })).toBe(1);
  });

  it("an item without owner or due date is fine", async () => {
    const message = postAsHuman(channelId, "Write the runbook for failover");
    await shortcut(captureShortcutIds.addActionItem, channelId, { ts: message.ts, text: message.text, user: "U0CAROL" });
    await submit(openedModal().private_metadata, { text: "Write the runbook for failover" });
    const item = await bot.app.db.prisma.actionItem.findFirstOrThrow();
    expect(item).toMatchObject({ ownerId: null, dueOn: null, text: "Write the runbook for failover" });
  });

  it("a bad due date or empty text returns field errors and writes nothing", async () => {
    const message = postAsHuman(channelId, "We need an alert on queue depth");
    await shortcut(captureShortcutIds.addActionItem, channelId, { ts: message.ts, text: message.text, user: "U0CAROL" });
    const metadata = openedModal().private_metadata;

    const badDate = await submit(metadata, { text: "Alert on queue depth", due: "2026-13-45" });
    expect(await badDate.json()).toEqual({
      response_action: "errors",
      errors: { [actionItemBlockIds.due]: expect.stringContaining('"2026-13-45" is not a date') },
    });
    const empty = await submit(metadata, { text: "   " });
    const emptyBody = (await empty.json()) as { response_action: string; errors: Record<string, string> };
    expect(emptyBody.response_action).toBe("errors");
    expect(Object.keys(emptyBody.errors)).toEqual([actionItemBlockIds.text]);

    expect(await bot.app.db.prisma.actionItem.count()).toBe(0);
    expect(await bot.app.db.prisma.timelineEvent.count({ where: { kind: "action_item_added" } })).toBe(0);
  });

  it("outside an incident channel it explains instead of opening a modal", async () => {
    const message = postAsHuman("C0GENERAL", "We need an alert on queue depth");
    await shortcut(captureShortcutIds.addActionItem, "C0GENERAL", { ts: message.ts, text: message.text, user: "U0CAROL" });
    expect(bot.emulator.callsTo("views.open")).toHaveLength(0);
    expect(bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text).toContain("not in an incident channel");
  });
});
