import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBot, type TestBot } from "../support/bot.ts";

let bot: TestBot;

beforeAll(async () => {
  bot = await startTestBot({ label: "events" });
  await bot.send.slashCommand("declare sev2 Checkout down", { userId: "U0ALICE" });
  await bot.settle();
});

afterAll(async () => {
  await bot.dispose();
});

const homeOpened = (user: string) => ({
  type: "app_home_opened",
  user,
  channel: "D0HOME",
  tab: "home",
  event_ts: `${Date.now() / 1000}`,
});

describe("Events API", () => {
  it("the same event_id delivered four times is processed once", async () => {
    // Declaring published Alice's Home already (she is the IC); count only what the events cause.
    bot.emulator.resetCalls();
    for (const retryNum of [undefined, 1, 2, 3]) {
      const response = await bot.send.event(homeOpened("U0ALICE"), {
        eventId: "Ev0REDELIVERED",
        ...(retryNum === undefined ? {} : { retryNum }),
      });
      expect(response.status).toBe(200);
    }
    await bot.settle();
    expect(bot.emulator.callsTo("views.publish")).toHaveLength(1);
    expect(
      await bot.app.db.prisma.processedSlackEvent.count({ where: { eventId: "Ev0REDELIVERED" } }),
    ).toBe(1);
  });

  it("publishes a Home tab with open incidents and the viewer's roles", async () => {
    bot.emulator.resetCalls();
    await bot.send.event(homeOpened("U0ALICE"), { eventId: "Ev0HOMEALICE" });
    await bot.send.event(homeOpened("U0BOB"), { eventId: "Ev0HOMEBOB" });
    await bot.settle();
    const published = bot.emulator.callsTo("views.publish");
    expect(published.map((call) => call.args.user_id)).toEqual(["U0ALICE", "U0BOB"]);
    const [alice, bob] = published.map((call) => JSON.stringify(call.args.view));
    expect(alice).toContain("INC-1: Checkout down");
    expect(alice).toContain("incident commander of");
    expect(bob).toContain("INC-1: Checkout down");
    expect(bob).toContain("You hold no role in an open incident.");
    for (const call of published) {
      expect((call.args.view as { blocks: unknown[] }).blocks.length).toBeLessThanOrEqual(100);
      expect(call.response).toMatchObject({ ok: true });
    }
  });
});
