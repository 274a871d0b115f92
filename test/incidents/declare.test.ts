import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { callbackIds, declareBlockIds } from "../../src/capabilities/incidents/views.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { quietPlaybook } from "../support/playbooks.ts";
import { rowCounts as rowCountsOf, submitDeclareForm } from "../support/scenario.ts";

let bot: TestBot;

beforeEach(async () => {
  bot = await startTestBot({ label: "declare", playbook: quietPlaybook() });
});

afterEach(async () => {
  await bot.dispose();
});

const rowCounts = () => rowCountsOf(bot, ["incidents", "timeline", "roles"]);

/** The one declared incident is active, with one channel, its intro and its announcement. */
async function expectFinishedOnce() {
  const incident = await bot.app.db.prisma.incident.findFirstOrThrow();
  expect(incident.phase).toBe("active");
  expect(bot.emulator.callsTo("conversations.create")).toHaveLength(1);
  expect(bot.emulator.world.messages(incident.channelId!)).toHaveLength(1);
  expect(bot.emulator.world.messages("C0INCIDENTS")).toHaveLength(1);
}

function postedTexts(): string[] {
  return bot.emulator.calls
    .filter((call) =>
      ["chat.postMessage", "chat.update", "conversations.setTopic"].includes(call.method),
    )
    .map((call) => JSON.stringify(call.args));
}

describe("declaring by the quick path", () => {
  it("creates the channel, invites the IC, sets the topic, posts intro and announcement, records it all", async () => {
    const response = await bot.send.slashCommand("declare sev2 Checkout API returning 500s", {
      userId: "U0ALICE",
    });
    expect(response.status).toBe(200);
    await bot.settle();

    const create = bot.emulator.callsTo("conversations.create");
    expect(create).toHaveLength(1);
    expect(create[0]!.args.name).toBe("inc-1-checkout-api-returning-500s");

    const channel = bot.emulator.world.channelByName("inc-1-checkout-api-returning-500s")!;
    expect(channel).toBeDefined();
    expect(channel.members).toContain("U0ALICE");
    expect(channel.topic.value).toContain("SEV2");

    const intro = bot.emulator.world.messages(channel.id);
    expect(intro).toHaveLength(1);
    expect(intro[0]!.text).toContain("INC-1: Checkout API returning 500s");
    expect(JSON.stringify(intro[0]!.blocks)).toContain("<@U0ALICE>");

    const announcements = bot.emulator.world.messages("C0INCIDENTS");
    expect(announcements).toHaveLength(1);
    expect(announcements[0]!.text).toContain(`<#${channel.id}>`);

    const incident = await bot.app.db.prisma.incident.findUniqueOrThrow({
      where: { number: 1 },
      include: { roles: true, timeline: { orderBy: { id: "asc" } } },
    });
    expect(incident).toMatchObject({
      title: "Checkout API returning 500s",
      severity: "SEV2",
      status: "investigating",
      phase: "active",
      channelId: channel.id,
      introTs: intro[0]!.ts,
      announcementChannelId: "C0INCIDENTS",
      announcementTs: announcements[0]!.ts,
      declaredBy: "U0ALICE",
    });
    expect(incident.roles.map((r) => [r.role, r.userId])).toEqual([
      ["incident_commander", "U0ALICE"],
    ]);
    expect(incident.timeline.map((e) => e.kind)).toEqual([
      "declared",
      "role_assigned",
      "channel_created",
      "announced",
    ]);

    const replies = bot.emulator.ephemeralsFor("U0ALICE");
    expect(replies.at(-1)!.text).toContain("Declared *INC-1: Checkout API returning 500s*");
  });

  it("acks before doing the work", async () => {
    // Slack holds the channel creation, so work done before the ack would hold the ack too.
    bot.emulator.faults.add({
      method: "conversations.create",
      kind: "slow",
      delayMs: 1500,
      times: 1,
    });
    const response = await bot.send.slashCommand("declare sev3 Slow Slack today");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    // Order, not time: the ack came back while Slack had not yet answered the creation
    // (the emulator records a call once it has answered it).
    expect(bot.emulator.callsTo("conversations.create")).toHaveLength(0);
    expect(bot.emulator.world.channelByName("inc-1-slow-slack-today")).toBeUndefined();
    expect(await bot.app.db.prisma.incident.findFirst({ where: { phase: "active" } })).toBeNull();
    await bot.settle();
    expect((await bot.app.db.prisma.incident.findFirstOrThrow()).phase).toBe("active");
  });

  it("numbers incidents one after another", async () => {
    await bot.send.slashCommand("declare sev3 First");
    await bot.settle();
    await bot.send.slashCommand("declare sev4 Second");
    await bot.settle();
    const numbers = (await bot.app.db.prisma.incident.findMany({ orderBy: { number: "asc" } })).map(
      (i) => [i.number, i.title],
    );
    expect(numbers).toEqual([
      [1, "First"],
      [2, "Second"],
    ]);
    expect(bot.emulator.world.channelByName("inc-2-second")).toBeDefined();
  });
});

describe("declaring with the modal", () => {
  it("opens the form, then declares from the submitted values", async () => {
    const response = await bot.send.slashCommand("", { userId: "U0BOB", channelId: "C0GENERAL" });
    expect(response.status).toBe(200);
    await bot.settle();
    const opened = bot.emulator.callsTo("views.open");
    expect(opened).toHaveLength(1);
    const view = opened[0]!.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(callbackIds.declare);

    const submit = await submitDeclareForm(
      bot,
      {
        privateMetadata: view.private_metadata,
        title: "Login page blank",
        severity: "SEV1",
        summary: "Users see a white page.",
        components: "Web, Auth",
        customerImpact: true,
        isPrivate: false,
      },
      "U0BOB",
    );
    expect(submit.status).toBe(200);

    const incident = await bot.app.db.prisma.incident.findUniqueOrThrow({ where: { number: 1 } });
    expect(incident).toMatchObject({
      title: "Login page blank",
      severity: "SEV1",
      summary: "Users see a white page.",
      components: ["Web", "Auth"],
      customerImpact: true,
      isPrivate: false,
      declaredBy: "U0BOB",
      phase: "active",
    });
    const channel = bot.emulator.world.channelByName("inc-1-login-page-blank")!;
    expect(channel.members).toContain("U0BOB");
    expect(JSON.stringify(bot.emulator.world.messages(channel.id)[0]!.blocks)).toContain(
      "Users see a white page.",
    );
  });

  it("returns field errors for an empty title and writes nothing", async () => {
    const submit = await submitDeclareForm(bot, { title: "   ", severity: "SEV2" });
    expect(submit.status).toBe(200);
    const body = (await submit.json()) as {
      response_action: string;
      errors: Record<string, string>;
    };
    expect(body.response_action).toBe("errors");
    expect(body.errors[declareBlockIds.title]).toContain("empty");
    await bot.settle();
    expect(await rowCounts()).toEqual({ incidents: 0, timeline: 0, roles: 0 });
    expect(bot.emulator.callsTo("conversations.create")).toHaveLength(0);
  });

  it("a private incident gets a private channel and no announcement", async () => {
    await submitDeclareForm(bot, { title: "Leaked credentials", severity: "SEV1", isPrivate: true });
    const channel = bot.emulator.world.channelByName("inc-1-leaked-credentials")!;
    expect(channel.is_private).toBe(true);
    expect(bot.emulator.world.messages("C0INCIDENTS")).toHaveLength(0);
    expect((await bot.app.db.prisma.incident.findFirstOrThrow()).phase).toBe("active");
  });
});

describe("bad input", () => {
  it.each([
    ["declare sev9 Something broke", "is not a severity"],
    ["declare sev2", "title is empty"],
    ["declare sev2    ", "title is empty"],
    [`declare sev2 ${"x".repeat(151)}`, "keep it to 150"],
    ["explode now", "is not an /incident subcommand"],
    ["status INC-abc", "is not an incident reference"],
  ])("%s → an ephemeral error with usage, and nothing written", async (text, expected) => {
    const response = await bot.send.slashCommand(text);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { response_type: string; text: string };
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toContain(expected);
    await bot.settle();
    expect(await rowCounts()).toEqual({ incidents: 0, timeline: 0, roles: 0 });
    expect(bot.emulator.callsTo("conversations.create")).toHaveLength(0);
    expect(bot.emulator.callsTo("chat.postMessage")).toHaveLength(0);
  });
});

describe("escaping", () => {
  it("posts a title containing <!channel> and <@U123> escaped everywhere", async () => {
    await bot.send.slashCommand("declare sev1 <!channel> and <@U123> & friends broke prod");
    await bot.settle();
    const texts = postedTexts();
    expect(texts.length).toBeGreaterThanOrEqual(3);
    for (const text of texts) {
      expect(text).not.toContain("<!channel>");
      expect(text).not.toContain("<@U123>");
    }
    expect(texts.join("\n")).toContain("&lt;!channel&gt; and &lt;@U123&gt; &amp; friends");
    const reply = bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text;
    expect(reply).not.toContain("<!channel>");
    expect(reply).toContain("&lt;!channel&gt;");
    const incident = await bot.app.db.prisma.incident.findFirstOrThrow();
    expect(incident.title).toBe("<!channel> and <@U123> & friends broke prod");
  });
});

describe("Slack failures while declaring", () => {
  it("uses a different valid name when the channel name is taken", async () => {
    bot.emulator.world.createChannel({ name: "inc-1-checkout-down", creator: "U0CAROL" });
    await bot.send.slashCommand("declare sev2 Checkout down");
    await bot.settle();
    const attempts = bot.emulator.callsTo("conversations.create").map((call) => call.args.name);
    expect(attempts).toEqual(["inc-1-checkout-down", "inc-1-checkout-down-2"]);
    const incident = await bot.app.db.prisma.incident.findFirstOrThrow();
    expect(incident.channelName).toBe("inc-1-checkout-down-2");
    expect(incident.channelName).toMatch(/^[a-z0-9_-]{1,80}$/);
    expect(incident.phase).toBe("active");
  });

  it("conversations.create failing → a clear message and no orphan incident", async () => {
    bot.emulator.faults.add({
      method: "conversations.create",
      kind: "slack_error",
      error: "restricted_action",
    });
    await bot.send.slashCommand("declare sev1 Payments failing");
    await bot.settle();
    const reply = bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text;
    expect(reply).toContain("couldn't create the incident channel");
    expect(reply).toContain("restricted_action");
    expect(reply).toContain("Nothing was recorded");
    expect(await rowCounts()).toEqual({ incidents: 0, timeline: 0, roles: 0 });
    expect(bot.emulator.callsTo("chat.postMessage")).toHaveLength(0);
  });

  it("an announcement that fails is finished on the next start, without a second channel", async () => {
    bot.emulator.faults.add({
      method: "chat.postMessage",
      kind: "slack_error",
      error: "fatal_error",
      times: 10,
    });
    await bot.send.slashCommand("declare sev2 Search degraded");
    await bot.settle();
    const reply = bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text;
    expect(reply).toContain("did not finish");
    expect((await bot.app.db.prisma.incident.findFirstOrThrow()).phase).toBe("declaring");

    bot.emulator.faults.clear();
    bot = await bot.restart();
    await bot.settle();
    await expectFinishedOnce();
  });
});

describe("an interrupted declaration retried on a timer", () => {
  it("finishes once Slack recovers, without a restart and without a second channel", async () => {
    bot.emulator.faults.add({
      method: "chat.postMessage",
      kind: "server_error",
      status: 503,
      times: 4,
    });
    await bot.send.slashCommand("declare sev2 Search degraded");
    await bot.settle({ withinMs: 0 });
    expect((await bot.app.db.prisma.incident.findFirstOrThrow()).phase).toBe("declaring");

    await bot.advance(30_000);
    await expectFinishedOnce();
  });
});

describe("status and list", () => {
  it("shows the channel's incident, a named one, and the open list", async () => {
    await bot.send.slashCommand("declare sev2 Checkout down");
    await bot.settle();
    const incident = await bot.app.db.prisma.incident.findFirstOrThrow();

    // One at a time, so the replies arrive in order.
    for (const [text, channel] of [
      ["status", incident.channelId!],
      ["status INC-1", "C0GENERAL"],
      ["status INC-7", "C0GENERAL"],
      ["status", "C0GENERAL"],
      ["list", "C0GENERAL"],
    ] as const) {
      await bot.send.slashCommand(text, { channelId: channel });
      await bot.settle();
    }
    const replies = bot.emulator.ephemeralsFor("U0ALICE").map((e) => e.text);
    expect(replies.at(-5)).toContain("INC-1: Checkout down (SEV2, investigating)");
    expect(replies.at(-4)).toContain("INC-1: Checkout down (SEV2, investigating)");
    expect(replies.at(-3)).toContain("There is no incident INC-7");
    expect(replies.at(-2)).toContain("not an incident channel");
    expect(replies.at(-1)).toBe("Open incidents: INC-1");
  });

  it("help lists every subcommand", async () => {
    // The names the app's router registered, not a list kept by hand here.
    const registered = bot.app
      .entryPoints()
      .filter((entry) => entry.kind === "subcommand")
      .map((entry) => entry.id);
    expect(registered).toContain("declare");
    const response = await bot.send.slashCommand("help");
    const body = (await response.json()) as { text: string };
    // Each help line starts with `/incident <name> …`; help itself is listed last.
    const listed = body.text
      .split("\n")
      .map((line) => /^`\/incident ([a-z-]+)/.exec(line)?.[1])
      .filter((name) => name !== undefined);
    expect(listed).toEqual([...registered, "help"]);
  });
});

describe("persistence", () => {
  it("an incident survives a restart on the same data", async () => {
    await bot.send.slashCommand("declare sev3 Cache misses");
    await bot.settle();
    bot = await bot.restart();
    await bot.send.slashCommand("status INC-1");
    await bot.settle();
    expect(bot.emulator.ephemeralsFor("U0ALICE").at(-1)!.text).toContain("INC-1: Cache misses");
    expect(bot.app.db.migrations.applied).toEqual([]);
  });
});
