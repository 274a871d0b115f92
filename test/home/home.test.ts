import { afterEach, describe, expect, it, vi } from "vitest";
import { findBlockProblems } from "../../tools/emulators/slack/block-kit.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { ManualClock } from "../support/clock.ts";
import { quietPlaybook } from "../support/playbooks.ts";
import { addActionItem, command, declareIncident, resolve } from "../support/scenario.ts";

let bot: TestBot;

afterEach(async () => {
  await bot.dispose();
});

type Block = { type: string; text?: { type: string; text: string }; elements?: unknown[] };

const publishedTo = (userId: string) =>
  bot.emulator
    .callsTo("views.publish")
    .filter((call) => call.args.user_id === userId)
    .map((call) => ({ blocks: (call.args.view as { blocks: Block[] }).blocks, response: call.response }));

describe("the App Home tab", () => {
  it("publishes open incidents, roles, my items and the team's overdue items, and refreshes the people an item concerns", async () => {
    bot = await startTestBot({
      label: "home",
      clock: new ManualClock(new Date("2026-11-17T10:00:00Z")),
      playbook: quietPlaybook(),
    });
    const incident = await declareIncident(bot, "sev2 Checkout down", { userId: "U0ALICE" });
    await addActionItem(bot, incident, "Add an alert <!channel> <@U0ALICE> due:2026-11-20", { by: "U0ALICE" });
    await addActionItem(bot, incident, "Write the runbook <@U0ALICE> due:2026-12-15", { by: "U0ALICE" });
    await addActionItem(bot, incident, "Fix the retry storm <@U0BOB> due:2026-11-19", { by: "U0ALICE" });
    bot.clock.set(new Date("2026-11-23T09:00:00Z"));

    bot.emulator.resetCalls();
    await bot.send.event({ type: "app_home_opened", user: "U0ALICE", tab: "home", channel: "D0ALICEHOME" }, { eventId: "Ev0HOMEITEMS" });
    await bot.settle();
    const published = publishedTo("U0ALICE");
    expect(published).toHaveLength(1);
    const { blocks, response } = published[0]!;
    expect(response).toMatchObject({ ok: true });
    expect(blocks.length).toBeLessThanOrEqual(100);
    expect(findBlockProblems(blocks, "home")).toEqual([]);
    for (const block of blocks) {
      if (block.type === "section") expect(block.text!.text.length).toBeLessThanOrEqual(3000);
      if (block.type === "header") expect(block.text!.text.length).toBeLessThanOrEqual(150);
      if (block.type === "context") expect(block.elements!.length).toBeLessThanOrEqual(10);
    }
    const texts = blocks.map((block) => block.text?.text ?? "");
    const after = (heading: string) => texts.slice(texts.indexOf(heading) + 1, texts.indexOf(heading) + 3);
    expect(texts[0]).toBe("Open incidents");
    expect(texts.some((t) => t.startsWith("incident commander of *INC-1: Checkout down*"))).toBe(true);
    expect(after("Your action items (2)")).toEqual([
      "*INC-1* · Add an alert &lt;!channel&gt; · <@U0ALICE> · due 2026-11-20 · :warning: *overdue*",
      "*INC-1* · Write the runbook · <@U0ALICE> · due 2026-12-15",
    ]);
    expect(after("Overdue across the team (2)")).toEqual([
      "*INC-1* · Fix the retry storm · <@U0BOB> · due 2026-11-19 · :warning: *overdue*",
      "*INC-1* · Add an alert &lt;!channel&gt; · <@U0ALICE> · due 2026-11-20 · :warning: *overdue*",
    ]);

    // A new item for Carol republishes her Home (and the creator's) without her opening it.
    bot.emulator.resetCalls();
    await addActionItem(bot, incident, "Ship the fix <@U0CAROL>", { by: "U0BOB" });
    await vi.waitFor(() => {
      expect(publishedTo("U0CAROL").at(-1)?.blocks.map((b) => b.text?.text)).toContain("*INC-1* · Ship the fix · <@U0CAROL>");
      expect(publishedTo("U0BOB")).not.toHaveLength(0);
    });
    expect(publishedTo("U0ALICE")).toHaveLength(0);
  });

  it("republishes the role holders' Homes when an incident is declared, a role is given, and it resolves", async () => {
    bot = await startTestBot({ label: "home-incidents", playbook: quietPlaybook() });
    const incident = await declareIncident(bot, "sev2 Checkout down", { userId: "U0ALICE" });
    const texts = (userId: string) => publishedTo(userId).at(-1)?.blocks.map((block) => block.text?.text ?? "") ?? [];
    expect(texts("U0ALICE").some((text) => text.startsWith("incident commander of *INC-1: Checkout down*"))).toBe(true);

    expect(publishedTo("U0BOB")).toHaveLength(0);
    await command(bot, "role tech_lead <@U0BOB|bob>", { userId: "U0ALICE", channelId: incident.channelId });
    expect(texts("U0BOB").some((text) => text.startsWith("tech lead of *INC-1: Checkout down*"))).toBe(true);

    await resolve(bot, incident, "Rolled back", { by: "U0ALICE" });
    expect(texts("U0ALICE")).toContain("No open incidents. :tada:");
    expect(texts("U0BOB")).toContain("No open incidents. :tada:");
  });
});
