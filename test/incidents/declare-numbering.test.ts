import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { quietPlaybook } from "../support/playbooks.ts";
import { declare, submitDeclareForm } from "../support/scenario.ts";

/**
 * Incident numbers come from the `incident_counter` row, taken under its row
 * lock just before the declaring transaction. Here: the counter picks up where the
 * incidents are, a declaration rolled back for Slack's sake leaves a gap and
 * no trouble, and a failure to record a declaration is told to the declarer
 * on both paths. (Racing replicas: declare-concurrency.test.ts, PostgreSQL.)
 */

let bot: TestBot;

beforeEach(async () => {
  bot = await startTestBot({ label: "declare-numbering", playbook: quietPlaybook() });
});

afterEach(async () => {
  await bot.dispose();
});

async function numbers() {
  const incidents = await bot.app.db.prisma.incident.findMany({ orderBy: { number: "asc" } });
  return incidents.map((incident) => [incident.number, incident.title, incident.phase]);
}

const lastReply = (userId = "U0ALICE") => bot.emulator.ephemeralsFor(userId).at(-1)?.text;

describe("incident numbers", () => {
  it("continue from the incidents already declared", async () => {
    await declare(bot, "sev3 First");
    await declare(bot, "sev4 Second");
    await declare(bot, "sev2 Third");
    expect(await numbers()).toEqual([
      [1, "First", "active"],
      [2, "Second", "active"],
      [3, "Third", "active"],
    ]);
    expect(lastReply()).toContain("Declared *INC-3: Third*");
    const counter = await bot.app.db.prisma.incidentCounter.findUniqueOrThrow({ where: { id: 1 } });
    expect(counter.lastNumber).toBe(3);
  });

  it("continue from the incidents when the counter row is missing or behind (a partial restore)", async () => {
    await declare(bot, "sev3 First");
    await declare(bot, "sev3 Second");

    await bot.app.db.prisma.incidentCounter.deleteMany();
    await declare(bot, "sev3 After the counter was lost");
    expect(lastReply()).toContain("Declared *INC-3: After the counter was lost*");

    await bot.app.db.prisma.incidentCounter.update({ where: { id: 1 }, data: { lastNumber: 1 } });
    await declare(bot, "sev3 After the counter went back");
    expect(lastReply()).toContain("Declared *INC-4: After the counter went back*");
    expect((await numbers()).map(([number]) => number)).toEqual([1, 2, 3, 4]);
  });

  it("skip the number of a declaration rolled back because Slack refused the channel, and the next one works", async () => {
    await declare(bot, "sev3 Before");
    bot.emulator.faults.add({
      method: "conversations.create",
      kind: "slack_error",
      error: "restricted_action",
      times: 1,
    });
    await declare(bot, "sev2 Refused by Slack", { userId: "U0BOB" });
    expect(lastReply("U0BOB")).toContain(
      "I couldn't create the incident channel (Slack said restricted_action to conversations.create).",
    );
    expect(await numbers()).toEqual([[1, "Before", "active"]]);

    await declare(bot, "sev2 After the refusal", { userId: "U0BOB" });
    expect(lastReply("U0BOB")).toContain("Declared *INC-3: After the refusal*");
    // Numbers are never reused: INC-2 was seen by nobody but its declarer's error, and stays unused.
    expect(await numbers()).toEqual([
      [1, "Before", "active"],
      [3, "After the refusal", "active"],
    ]);
    expect(bot.emulator.world.channelByName("inc-3-after-the-refusal")).toBeDefined();
  });
});

describe("a declaration that cannot be recorded", () => {
  // The database refusing the insert stands in for any failure of the declaring
  // transaction (a lost connection, a timeout): nothing was written either way.
  async function breakRecording() {
    await bot.app.db.prisma.$executeRawUnsafe(
      `ALTER TABLE timeline_events RENAME TO timeline_events_away`,
    );
    return () =>
      bot.app.db.prisma.$executeRawUnsafe(
        `ALTER TABLE timeline_events_away RENAME TO timeline_events`,
      );
  }

  it("is told to the declarer of the quick path", async () => {
    const repair = await breakRecording();
    await declare(bot, "sev2 Database trouble");
    await repair();
    expect(lastReply()).toContain("I couldn't record the incident");
    expect(lastReply()).toContain("Nothing was recorded; please try again.");
    expect(await numbers()).toEqual([]);
    expect(bot.emulator.callsTo("conversations.create")).toHaveLength(0);

    await declare(bot, "sev2 Database back");
    expect(lastReply()).toContain("Declared *INC-");
  });

  it("is told to the declarer of the form, by DM", async () => {
    const repair = await breakRecording();
    const submit = await submitDeclareForm(
      bot,
      { privateMetadata: JSON.stringify({ channelId: "C0GENERAL" }), title: "Database trouble", severity: "SEV2", summary: "", components: "", customerImpact: false, isPrivate: false },
      "U0BOB",
    );
    expect(submit.status).toBe(200);
    await repair();

    const dms = bot.emulator
      .callsTo("chat.postMessage")
      .filter((call) => call.args.channel === "U0BOB")
      .map((call) => String(call.args.text));
    expect(dms).toEqual([expect.stringContaining("I couldn't record the incident")]);
    expect(await numbers()).toEqual([]);
  });
});
