import { afterEach, describe, expect, it } from "vitest";
import { type GitHubEmulator, startGitHubEmulator } from "../../tools/emulators/github/index.ts";
import { type TestBot, startTestBot } from "../support/bot.ts";
import { ManualClock, minutes } from "../support/clock.ts";
import { quietPlaybook } from "../support/playbooks.ts";
import { addActionItem, declareIncident, startBotWithGitHub, stopBotAndGitHub } from "../support/scenario.ts";

/**
 * Action items become GitHub issues through the outbox, against the GitHub
 * API emulator (real HTTP, Octokit with throttling and retry), beside the
 * Slack emulator.
 */

let bot: TestBot;
let github: GitHubEmulator;
let channelId: string;

afterEach(() => stopBotAndGitHub(bot, github));

/** The GitHub emulator, a bot with follow-ups on it (unless `github: false`), and one incident declared by bob. */
async function start(options: { github?: boolean } = {}) {
  ({ bot, github } = await startBotWithGitHub({
    label: "github-issues",
    clock: new ManualClock(new Date("2026-11-30T09:00:00Z")),
    playbook: quietPlaybook(),
    github: options.github,
  }));
  ({ channelId } = await declareIncident(bot, "sev2 Checkout API returning 500s", { userId: "U0BOB" }));
}

const issuesIn = () => github.world.issues("acme/ops");
const createCalls = () => github.callsTo("POST /repos/:owner/:repo/issues");
const channelTexts = () => bot.emulator.world.messages(channelId).map((message) => message.text);

describe("an action item becomes a GitHub issue", () => {
  it("has the labels, the marker, a link back and the owner's GitHub account as assignee", async () => {
    await start();
    await bot.send.slashCommand("action Add an alert on checkout error rate <@U0ALICE|alice> due:2026-12-07", {
      userId: "U0BOB",
      channelId,
    });
    await bot.settle();
    expect(bot.emulator.ephemeralsFor("U0BOB").at(-1)!.text).toContain("Its GitHub issue is queued");

    const item = await bot.app.db.prisma.actionItem.findFirstOrThrow();
    expect(item).toMatchObject({ ownerId: "U0ALICE", state: "open", githubState: "created", githubAssignee: "alice" });
    expect(item.dueOn?.toISOString().slice(0, 10)).toBe("2026-12-07");

    expect(createCalls()).toHaveLength(1);
    const sent = createCalls()[0]!.body as { title: string; body: string; labels: string[]; assignees: string[] };
    expect(sent.labels).toEqual(["incident", "SEV2", "INC-1"]);
    expect(sent.assignees).toEqual(["alice"]);
    expect(sent.title).toBe("INC-1: Add an alert on checkout error rate");
    expect(sent.body).toContain(`<!-- incident-bot:action-item:${item.id} -->`);
    expect(sent.body).toContain(`https://slack.com/app_redirect?channel=${channelId}`);
    expect(sent.body).toContain("Due: 2026-12-07");

    const created = createCalls()[0]!.response as { number: number; html_url: string; labels: { name: string }[]; assignees: { login: string }[] };
    expect(item.githubNumber).toBe(created.number);
    expect(item.githubUrl).toBe(created.html_url);
    expect(created.labels.map((label) => label.name)).toEqual(["incident", "SEV2", "INC-1"]);
    expect(created.assignees.map((user) => user.login)).toEqual(["alice"]);

    // Alice was found by her Slack email among GitHub's public emails.
    expect(github.callsTo("GET /search/users")[0]!.query.q).toBe("alice@example.com in:email");
    expect(channelTexts().some((text) => text.includes(`<${created.html_url}|#${created.number}>`))).toBe(true);
  });

  it("maps the owner through the playbook first, and escapes what people typed", async () => {
    await start();
    await addActionItem(bot, { channelId }, "Check @here <!channel> runbook <@U0DAVE>", { by: "U0BOB" });
    const sent = createCalls()[0]!.body as { body: string; assignees: string[] };
    expect(sent.assignees).toEqual(["dave"]);
    expect(github.callsTo("GET /search/users")).toHaveLength(0);
    expect(sent.body).not.toContain("@here");
    expect(sent.body).not.toContain("<!channel>");
    expect(channelTexts().join("\n")).not.toContain("<!channel>");
  });

  it("works against GitHub Enterprise Server's /api/v3 base (GITHUB_API_URL)", async () => {
    github = await startGitHubEmulator();
    bot = await startTestBot({
      label: "github-enterprise",
      playbook: quietPlaybook(),
      github,
      env: { GITHUB_API_URL: github.enterpriseApiUrl },
    });
    ({ channelId } = await declareIncident(bot, "sev3 Queue backlog", { userId: "U0BOB" }));
    await addActionItem(bot, { channelId }, "Drain the dead-letter queue", { by: "U0BOB" });
    expect((await bot.app.db.prisma.actionItem.findFirstOrThrow()).githubState).toBe("created");
    expect(github.calls.filter((call) => call.method === "POST").map((call) => call.path)).toEqual(["/repos/acme/ops/issues"]);
    expect(github.calls.every((call) => call.status !== 404)).toBe(true);
  });

  it("with GitHub off, tracks the item locally and says so", async () => {
    await start({ github: false });
    await addActionItem(bot, { channelId }, "Write the runbook", { by: "U0BOB" });
    expect(bot.emulator.ephemeralsFor("U0BOB").at(-1)!.text).toContain("GitHub is off");
    const item = await bot.app.db.prisma.actionItem.findFirstOrThrow();
    expect(item.githubState).toBe("off");
    expect(github.calls).toHaveLength(0);
  });

  it("refuses bad input with usage and writes nothing", async () => {
    await start();
    for (const text of ["action", "action Fix it due:2026-02-30", "action Fix it due:tomorrow", `action ${"x".repeat(1001)}`]) {
      const response = await bot.send.slashCommand(text, { userId: "U0BOB", channelId });
      const body = (await response.json()) as { response_type: string; text: string };
      expect(body.response_type).toBe("ephemeral");
      expect(body.text).toContain("Usage: `/incident action");
    }
    await bot.settle();
    expect(await bot.app.db.prisma.actionItem.count()).toBe(0);
    expect(createCalls()).toHaveLength(0);
  });
});

describe("faults", () => {
  it("a bad token fails visibly; after it is fixed and the bot restarted, the item's issue is opened once", async () => {
    github = await startGitHubEmulator();
    const clock = new ManualClock(new Date("2026-11-30T09:00:00Z"));
    bot = await startTestBot({ label: "github-bad-token", clock, playbook: quietPlaybook(), github, env: { GITHUB_TOKEN: "ghp_revoked" } });
    ({ channelId } = await declareIncident(bot, "sev2 Checkout API returning 500s", { userId: "U0BOB" }));
    await bot.send.slashCommand("action Rotate the deploy key", { userId: "U0BOB", channelId });
    // The engine retries with backoff (5 s doubling to 10 min), then gives up and alerts.
    for (let step = 0; step < 15; step++) await bot.advance(minutes(10));
    const timer = await bot.app.db.prisma.timer.findFirstOrThrow({ where: { kind: "github.open_issue" } });
    expect(timer.state).toBe("failed");
    expect(timer.lastError).toContain("401");
    expect(bot.emulator.world.messages("C0INCIDENTS").some((message) => message.text.includes("github.open_issue"))).toBe(true);
    expect(github.world.issues("acme/ops")).toHaveLength(0);

    // The operator fixes GITHUB_TOKEN and restarts.
    const { emulator, dataDir, database } = bot;
    await bot.stop();
    bot = await startTestBot({ label: "github-bad-token", emulator, dataDir, database, clock, playbook: quietPlaybook(), github });
    await bot.settle();
    const item = await bot.app.db.prisma.actionItem.findFirstOrThrow();
    expect(item.githubState).toBe("created");
    expect(github.world.issues("acme/ops").map((issue) => issue.title)).toEqual(["INC-1: Rotate the deploy key"]);
  });

  it("a marker typed into the text cannot pass for another item's", async () => {
    await start();
    await addActionItem(bot, { channelId }, "First follow-up", { by: "U0BOB" });
    const first = await bot.app.db.prisma.actionItem.findFirstOrThrow();
    await addActionItem(bot, { channelId }, `Copy of <!-- incident-bot:action-item:${first.id} -->`, { by: "U0BOB" });
    const sent = createCalls()[1]!.body as { body: string };
    expect(sent.body.split(`<!-- incident-bot:action-item:${first.id} -->`)).toHaveLength(1);
    expect(sent.body).toContain(`&lt;!-- incident-bot:action-item:${first.id} --&gt;`);
  });

  it("waits out a GitHub outage and creates exactly one issue per item", async () => {
    await start();
    github.faults.add({ route: "POST /repos/:owner/:repo/issues", kind: "server_error", status: 503 });
    await bot.send.slashCommand("action First follow-up", { userId: "U0BOB", channelId });
    await bot.send.slashCommand("action Second follow-up", { userId: "U0BOB", channelId });
    await bot.settle();
    await bot.advance(minutes(5));
    expect(createCalls().length).toBeGreaterThanOrEqual(4);
    expect(createCalls().every((call) => call.status === 503)).toBe(true);
    const queued = await bot.app.db.prisma.actionItem.findMany();
    expect(queued.map((item) => item.githubState)).toEqual(["queued", "queued"]);

    github.faults.clear();
    await bot.advance(minutes(20));
    const items = await bot.app.db.prisma.actionItem.findMany({ orderBy: { createdAt: "asc" } });
    expect(items.map((item) => item.githubState)).toEqual(["created", "created"]);
    expect(issuesIn().map((issue) => issue.title).sort()).toEqual(["INC-1: First follow-up", "INC-1: Second follow-up"]);
    expect(createCalls().filter((call) => call.status === 201)).toHaveLength(2);
    // The timers are finished, not failed: an outage raises no alert.
    expect(await bot.app.db.prisma.timer.count({ where: { kind: "github.open_issue", state: { not: "done" } } })).toBe(0);
  });

  it("a 5xx that carries the usual rate-limit headers backs off 30 s, not until the quota resets", async () => {
    await start();
    github.faults.add({ route: "POST /repos/:owner/:repo/issues", kind: "server_error", status: 502, times: 1 });
    await addActionItem(bot, { channelId }, "Add a retry budget", { by: "U0BOB" });

    const failed = createCalls().at(-1)!;
    expect(failed.status).toBe(502);
    // The reproduction needs GitHub's headers on the error: quota left, a reset up to an hour away.
    expect(Number(failed.responseHeaders!["x-ratelimit-remaining"])).toBeGreaterThan(0);
    expect(Number(failed.responseHeaders!["x-ratelimit-reset"]) * 1000).toBeGreaterThan(Date.now() + 10 * 60_000);

    const timer = await bot.app.db.prisma.timer.findFirstOrThrow({ where: { kind: "github.open_issue" } });
    expect(timer.state).toBe("pending");
    // 30 s after the failure; settling the channel's paced notes may already have moved the clock a little.
    const backoffMs = timer.dueAt.getTime() - bot.clock.now().getTime();
    expect(backoffMs).toBeGreaterThan(25_000);
    expect(backoffMs).toBeLessThanOrEqual(30_000);
    expect((await bot.app.db.prisma.actionItem.findFirstOrThrow()).githubState).toBe("queued");

    await bot.advance(30_000);
    expect((await bot.app.db.prisma.actionItem.findFirstOrThrow()).githubState).toBe("created");
    expect(issuesIn()).toHaveLength(1);
  });

  it("a spent quota (x-ratelimit-remaining: 0) waits until the reset", async () => {
    await start();
    github.faults.add({ route: "POST /repos/:owner/:repo/issues", kind: "rate_limited", limit: "primary", retryAfterSeconds: 600, times: 1 });
    await addActionItem(bot, { channelId }, "Add a retry budget", { by: "U0BOB" });
    const timer = await bot.app.db.prisma.timer.findFirstOrThrow({ where: { kind: "github.open_issue" } });
    const wait = timer.dueAt.getTime() - bot.clock.now().getTime();
    // The reset is counted on the wall clock, seconds rounded up.
    expect(wait).toBeGreaterThanOrEqual(590_000);
    expect(wait).toBeLessThanOrEqual(602_000);
  });

  it("after a lost answer, finds the issue by its marker instead of opening a second", async () => {
    await start();
    github.faults.add({ route: "POST /repos/:owner/:repo/issues", kind: "drop_response", times: 1 });
    await addActionItem(bot, { channelId }, "Add a canary for payments", { by: "U0BOB" });
    expect(issuesIn()).toHaveLength(1);
    await bot.advance(minutes(2));
    const item = await bot.app.db.prisma.actionItem.findFirstOrThrow();
    expect(item.githubState).toBe("created");
    expect(item.githubNumber).toBe(issuesIn()[0]!.number);
    expect(issuesIn()).toHaveLength(1);
    expect(createCalls()).toHaveLength(1);
  });

  it("a rate limit defers the item without failing it", async () => {
    await start();
    github.faults.add({ route: "POST /repos/:owner/:repo/issues", kind: "rate_limited", retryAfterSeconds: 120, times: 1 });
    await addActionItem(bot, { channelId }, "Tune the autoscaler", { by: "U0BOB" });
    expect((await bot.app.db.prisma.actionItem.findFirstOrThrow()).githubState).toBe("queued");
    await bot.advance(minutes(1));
    expect((await bot.app.db.prisma.actionItem.findFirstOrThrow()).githubState).toBe("queued");
    await bot.advance(minutes(2));
    expect((await bot.app.db.prisma.actionItem.findFirstOrThrow()).githubState).toBe("created");
    expect(issuesIn()).toHaveLength(1);
  });
});
