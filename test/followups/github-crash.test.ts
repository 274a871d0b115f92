import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/core/db/database.ts";
import { type GitHubEmulator, startGitHubEmulator } from "../../tools/emulators/github/index.ts";
import { githubRepository, startTestBot, type TestBot } from "../support/bot.ts";
import { type BotProcess, childEnvFor, killAll, spawnBot, waitUntilReady } from "../support/bot-process.ts";
import { until } from "../support/wait.ts";

let bot: TestBot;
let github: GitHubEmulator;
const children: BotProcess[] = [];

afterEach(async () => {
  await killAll(children);
  await bot.dispose();
  await github.close();
});

describe("a process killed after GitHub created the issue", () => {
  it("SIGKILL before the database recorded it: after restart there is still exactly one issue", { timeout: 90_000 }, async () => {
    github = await startGitHubEmulator();
    bot = await startTestBot({ label: "github-crash" });
    await bot.send.slashCommand("declare sev3 Queue backlog growing", { userId: "U0CAROL" });
    await bot.settle();
    const { channelId } = await bot.app.db.prisma.incident.findFirstOrThrow();
    await bot.stop();

    // The item is recorded with GitHub on, but this process never runs its timer.
    bot = await startTestBot({ label: "github-crash", emulator: bot.emulator, dataDir: bot.dataDir, database: bot.database, clock: bot.clock, github });
    await bot.send.slashCommand("action Add a dead-letter queue alert", { userId: "U0CAROL", channelId: channelId! });
    await bot.stop();
    github.webhooks.disable();

    // The child runs on the real clock: make the queued work due now.
    const db = await openDatabase(bot.database.target);
    const item = await db.prisma.actionItem.findFirstOrThrow();
    expect(item.githubState).toBe("queued");
    await db.prisma.timer.updateMany({ where: { state: "pending" }, data: { dueAt: new Date(Date.now() - 1000) } });
    await db.close();

    // GitHub creates the issue, then holds the answer; the process dies waiting for it.
    const lostAnswer = github.faults.add({
      route: "POST /repos/:owner/:repo/issues",
      kind: "drop_response",
      holdMs: 10_000,
      times: 1,
    });
    const env = childEnvFor(bot, {
      GITHUB_TOKEN: github.token,
      GITHUB_REPOSITORY: githubRepository,
      GITHUB_API_URL: github.apiUrl,
    });
    const first = await spawnBot(env);
    children.push(first);
    await until(() => github.world.issues(githubRepository).length === 1, "GitHub to create the issue");
    expect(lostAnswer.hits).toBe(1);
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");

    const second = await spawnBot(env);
    children.push(second);
    await waitUntilReady(second.url);
    const linked = () =>
      bot.emulator.world.messages(channelId!).filter((message) => message.text.startsWith("🔗 GitHub issue"));
    await until(() => linked().length === 1, "the restarted bot to record the issue and post its link", 30_000);
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);

    const [issue] = github.world.issues(githubRepository);
    expect(github.world.issues(githubRepository)).toHaveLength(1);
    expect(github.callsTo("POST /repos/:owner/:repo/issues")).toHaveLength(1);
    expect(github.callsTo("GET /repos/:owner/:repo/issues").length).toBeGreaterThanOrEqual(1);
    expect(linked()[0]!.text).toContain(`#${issue!.number}`);
    const check = await openDatabase(bot.database.target);
    const recorded = await check.prisma.actionItem.findFirstOrThrow();
    await check.close();
    expect(recorded).toMatchObject({ githubState: "created", githubNumber: issue!.number, githubUrl: issue!.html_url });
  });
});
