import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { actionIds, callbackIds, updateBlockIds } from "../../src/capabilities/incidents/views.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { quietPlaybook } from "../support/playbooks.ts";
import { declareIncident, rowCounts as rowCountsOf } from "../support/scenario.ts";

let bot: TestBot;
let channelId: string;

beforeEach(async () => {
  bot = await startTestBot({ label: "updates", playbook: quietPlaybook() });
  ({ channelId } = await declareIncident(bot, "sev2 Checkout API returning 500s", { userId: "U0ALICE" }));
  bot.emulator.resetCalls();
});

afterEach(async () => {
  await bot.dispose();
});

const incident = () =>
  bot.app.db.prisma.incident.findFirstOrThrow({
    include: { timeline: { orderBy: { id: "asc" } } },
  });
const channelTexts = () => bot.emulator.world.messages(channelId).map((m) => m.text);
const announcement = () => bot.emulator.world.messages("C0INCIDENTS")[0]!;
const reminderTimer = async () =>
  bot.app.db.prisma.timer.findUniqueOrThrow({
    where: { key: `update-reminder:${(await incident()).id}` },
  });

const rowCounts = () => rowCountsOf(bot, ["timeline", "posts", "timers"]);

describe("/incident update", () => {
  it("posts in the channel, threads under the announcement, updates the announcement, resets the reminder", async () => {
    await bot.advance(10 * 60_000);
    const updatedAt = bot.clock.now();
    await bot.send.slashCommand("update identified Bad deploy of checkout-api 4.2; rolling back", {
      channelId,
    });
    await bot.settle();

    expect(channelTexts().at(-1)).toContain(
      "INC-1 update (Identified): Bad deploy of checkout-api 4.2; rolling back",
    );
    const thread = bot.emulator.world.threadReplies("C0INCIDENTS", announcement().ts);
    expect(thread.map((m) => m.text)).toEqual([
      expect.stringContaining("INC-1 update (Identified)"),
    ]);
    expect(announcement().text).toContain("Identified");
    expect(announcement().editCount).toBe(1);
    expect(bot.emulator.world.channel(channelId)!.topic.value).toContain("Identified");

    const current = await incident();
    expect(current.status).toBe("identified");
    expect(current.lastUpdateAt).toEqual(updatedAt);
    expect(current.timeline.at(-1)).toMatchObject({
      kind: "status_update",
      actorId: "U0ALICE",
      data: {
        from: "investigating",
        to: "identified",
        message: "Bad deploy of checkout-api 4.2; rolling back",
        public: false,
      },
    });
    // SEV2: the next reminder is 30 minutes after this update, not after the declaration.
    expect((await reminderTimer()).dueAt).toEqual(
      new Date(bot.clock.now().getTime() + 30 * 60_000),
    );
    expect((await reminderTimer()).state).toBe("pending");
  });

  it("allows a relapse from monitoring back to investigating", async () => {
    await bot.send.slashCommand("update monitoring Fix deployed", { channelId });
    await bot.settle();
    await bot.send.slashCommand("update investigating Errors are back", { channelId });
    await bot.settle();
    expect((await incident()).status).toBe("investigating");
    expect(channelTexts().slice(-2)).toEqual([
      expect.stringContaining("Monitoring"),
      expect.stringContaining("Investigating): Errors are back"),
    ]);
  });

  it("works from another channel with INC-<n>, and confirms ephemerally", async () => {
    await bot.send.slashCommand("update INC-1 monitoring Looks stable --public", {
      channelId: "C0GENERAL",
    });
    await bot.settle();
    const current = await incident();
    expect(current.status).toBe("monitoring");
    expect(current.timeline.at(-1)!.data).toMatchObject({ public: true, message: "Looks stable" });
    expect(bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text).toContain(
      "INC-1 is now SEV2, monitoring",
    );
  });

  it.each([
    ["an unknown status", "update fixed All good", "is not a status"],
    ["no message", "update identified", "message is empty"],
    ["a message over 3000 characters", `update identified ${"x".repeat(3001)}`, "keep it to 3000"],
  ])("%s → ephemeral error, nothing written", async (_label, text, expected) => {
    const before = await rowCounts();
    const response = await bot.send.slashCommand(text, { channelId });
    const body = (await response.json()) as { text: string };
    expect(body.text).toContain(expected);
    await bot.settle();
    expect(await rowCounts()).toEqual(before);
    expect(bot.emulator.callsTo("chat.postMessage")).toHaveLength(0);
  });

  it("outside an incident channel without INC-<n> → ephemeral error, nothing written", async () => {
    const before = await rowCounts();
    await bot.send.slashCommand("update identified Something", { channelId: "C0GENERAL" });
    await bot.settle();
    expect(bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text).toContain("not an incident channel");
    expect(await rowCounts()).toEqual(before);
  });

  it("escapes the message", async () => {
    await bot.send.slashCommand("update identified <!here> blame <@U0BOB>", { channelId });
    await bot.settle();
    const posted = bot.emulator.callsTo("chat.postMessage").map((c) => JSON.stringify(c.args));
    expect(posted.length).toBe(2);
    for (const text of posted) {
      expect(text).not.toContain("<!here>");
      expect(text).not.toContain("<@U0BOB>");
    }
  });
});

describe("the update modal", () => {
  it("opens from the intro's Post update button and posts on submit", async () => {
    const current = await incident();
    await bot.send.blockAction(
      { action_id: actionIds.postUpdate, value: current.id },
      { channelId },
    );
    await bot.settle();
    const opened = bot.emulator.callsTo("views.open").at(-1)!.args.view as {
      callback_id: string;
      private_metadata: string;
    };
    expect(opened.callback_id).toBe(callbackIds.update);

    const empty = await bot.send.viewSubmission({
      callback_id: callbackIds.update,
      private_metadata: opened.private_metadata,
      values: {
        [updateBlockIds.status]: {
          value: { type: "static_select", selected_option: { value: "identified" } },
        },
        [updateBlockIds.message]: { value: { type: "plain_text_input", value: " " } },
      },
    });
    expect(((await empty.json()) as { response_action: string }).response_action).toBe("errors");

    await bot.send.viewSubmission({
      callback_id: callbackIds.update,
      private_metadata: opened.private_metadata,
      values: {
        [updateBlockIds.status]: {
          value: { type: "static_select", selected_option: { value: "identified" } },
        },
        [updateBlockIds.message]: {
          value: { type: "plain_text_input", value: "Found it: expired certificate" },
        },
        [updateBlockIds.visibility]: {
          value: { type: "checkboxes", selected_options: [{ value: "public" }] },
        },
      },
    });
    await bot.settle();
    expect(channelTexts().at(-1)).toContain("Found it: expired certificate");
    expect((await incident()).timeline.filter((e) => e.kind === "status_update")).toHaveLength(1);
    expect((await incident()).timeline.at(-1)!.data).toMatchObject({ public: true });
  });
});

describe("resolve and reopen", () => {
  it("resolves, stops the reminder, and refuses a second resolve with nothing written", async () => {
    const resolvedAt = bot.clock.now();
    await bot.send.slashCommand("resolve Rolled back to 4.1", { channelId });
    await bot.settle();
    const resolved = await incident();
    expect(resolved.status).toBe("resolved");
    expect(resolved.resolvedAt).toEqual(resolvedAt);
    expect(resolved.resolutionSummary).toBe("Rolled back to 4.1");
    expect(resolved.timeline.filter((e) => e.kind === "resolved")).toHaveLength(1);
    expect((await reminderTimer()).state).toBe("cancelled");
    expect(channelTexts().some((text) => text.includes("is resolved by <@U0ALICE>"))).toBe(true);
    expect(announcement().text).toContain("Resolved");

    const before = await rowCounts();
    const postsBefore = bot.emulator.callsTo("chat.postMessage").length;
    await bot.send.slashCommand("resolve again", { channelId });
    await bot.settle();
    expect(bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text).toBe("INC-1 is already resolved.");
    expect(await rowCounts()).toEqual(before);
    expect(bot.emulator.callsTo("chat.postMessage")).toHaveLength(postsBefore);
  });

  it("reopens a resolved incident and restarts the reminder; reopening an open one is refused", async () => {
    await bot.send.slashCommand("reopen", { channelId });
    await bot.settle();
    expect(bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text).toContain("is not resolved");

    await bot.send.slashCommand("resolve", { channelId });
    await bot.settle();
    await bot.advance(60 * 60_000);
    await bot.send.slashCommand("reopen", { channelId });
    await bot.settle();
    const reopened = await incident();
    expect(reopened.status).toBe("investigating");
    expect(reopened.resolvedAt).toBeNull();
    expect(reopened.timeline.at(-1)).toMatchObject({ kind: "reopened", actorId: "U0ALICE" });
    const timer = await reminderTimer();
    expect(timer.state).toBe("pending");
    expect(timer.dueAt).toEqual(new Date(bot.clock.now().getTime() + 30 * 60_000));
    expect(channelTexts().at(-1)).toContain("was reopened by <@U0ALICE>");
  });
});

describe("/incident severity", () => {
  it("changes severity, records it, and re-times the reminder to the new cadence", async () => {
    const declaredAt = (await incident()).declaredAt;
    await bot.advance(5 * 60_000);
    await bot.send.slashCommand("severity sev1", { channelId });
    await bot.settle();
    const current = await incident();
    expect(current.severity).toBe("SEV1");
    expect(current.timeline.find((e) => e.kind === "severity_changed")).toMatchObject({
      kind: "severity_changed",
      data: { from: "SEV2", to: "SEV1" },
    });
    // SEV1's cadence is 15 min, counted from the declaration (no update yet).
    expect((await reminderTimer()).dueAt).toEqual(new Date(declaredAt.getTime() + 15 * 60_000));

    await bot.send.slashCommand("severity sev4", { channelId });
    await bot.settle();
    expect((await reminderTimer()).state).toBe("cancelled");
  });

  it("refuses an unknown or unchanged severity", async () => {
    const response = await bot.send.slashCommand("severity sev7", { channelId });
    expect(((await response.json()) as { text: string }).text).toContain("is not a severity");
    await bot.send.slashCommand("severity sev2", { channelId });
    await bot.settle();
    expect(bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text).toBe("INC-1 is already SEV2.");
  });
});
