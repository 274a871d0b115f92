import { startGitHubEmulator } from "../tools/emulators/github/index.ts";
import { ManualClock } from "../src/core/clock.ts";
import { startInProcessBot } from "./in-process-bot.ts";
import { round } from "./support.ts";

/**
 * SPEC.md, "GitHub down for 10 min: every action item created exactly once
 * afterwards". Action items are added while the GitHub emulator answers 503
 * to everything; it recovers after 10 minutes. The bot runs in this process
 * on PostgreSQL and a manual clock shared with the GitHub emulator, so the
 * outage and the outbox's backoff play out in simulated time; Octokit's
 * request spacing (3 s between issue creations) still takes real time.
 * "Create calls" counts POSTs only: while GitHub is down, most attempts fail
 * earlier, at the assignee check, and never reach the POST.
 */

const repository = "acme/ops";

export interface GitHubOutageResult {
  items: number;
  outageMinutes: number;
  issuesPerItem: { exactlyOne: number; none: number; more: number };
  createAttempts: { refused: number; created: number };
  failedTimers: number;
  /** Simulated minutes from GitHub's recovery until the last issue was recorded. */
  minutesToDrainAfterRecovery: number;
  wallSeconds: number;
}

export async function measureGitHubOutage(options: { items: number; outageMinutes: number }): Promise<GitHubOutageResult> {
  const clock = new ManualClock(new Date("2026-11-30T10:00:00Z"));
  const github = await startGitHubEmulator({ now: () => clock.now().getTime() });
  const bot = await startInProcessBot({
    label: "github-outage",
    clock,
    env: {
      GITHUB_TOKEN: github.token,
      GITHUB_REPOSITORY: repository,
      GITHUB_API_URL: github.apiUrl,
      GITHUB_WEBHOOK_SECRET: "bench-webhook-secret",
    },
    // Octokit's own in-process retries of reads (1 s, 4 s by default) would only add real time
    // here: the outage is survived by the outbox's backoff, which runs on the simulated clock.
    extra: { githubRetryBaseMs: 10 },
  });
  const { app, send } = bot;
  github.webhooks.configure({ url: `${app.url}/github/webhook`, secret: "bench-webhook-secret" });
  const step = async (ms: number) => {
    clock.advance(ms);
    await app.tasks.drain(60_000);
    // Run everything due now (several ticks: a tick claims a batch).
    for (let i = 0; i < 50; i++) {
      const report = await app.scheduler.tick();
      await app.tasks.drain(60_000);
      if (report.claimed === 0) break;
    }
  };
  const wallStart = performance.now();
  try {
    await send.slashCommand("declare sev4 Checkout latency", { userId: "U0DAVE" });
    await step(1000);
    const incident = await app.db.prisma.incident.findFirstOrThrow();
    const recoveryAt = clock.now().getTime() + options.outageMinutes * 60_000;
    github.faults.add({ kind: "server_error", status: 503, untilMs: recoveryAt });

    // Items arrive during the first half of the outage, owned by someone the playbook maps (U0DAVE → dave).
    const spacingMs = Math.floor((options.outageMinutes * 60_000) / 2 / options.items);
    for (let i = 1; i <= options.items; i++) {
      const response = await send.slashCommand(`action Follow-up ${i} from the outage <@U0DAVE>`, {
        userId: "U0DAVE",
        channelId: incident.channelId!,
      });
      if (response.status !== 200) throw new Error(`action ${i} answered ${response.status}`);
      await step(spacingMs);
    }
    let lastCreatedAt = 0;
    while (clock.now().getTime() < recoveryAt + 60 * 60_000) {
      await step(15_000);
      const queued = await app.db.prisma.actionItem.count({ where: { githubState: "queued" } });
      if (queued === 0) {
        lastCreatedAt = clock.now().getTime();
        break;
      }
    }

    const items = await app.db.prisma.actionItem.findMany();
    const issues = github.world.issues(repository);
    const counts = items.map((item) => issues.filter((issue) => (issue.body ?? "").includes(`incident-bot:action-item:${item.id} `)).length);
    const creates = github.callsTo("POST /repos/:owner/:repo/issues");
    return {
      items: items.length,
      outageMinutes: options.outageMinutes,
      issuesPerItem: {
        exactlyOne: counts.filter((count) => count === 1).length,
        none: counts.filter((count) => count === 0).length,
        more: counts.filter((count) => count > 1).length,
      },
      createAttempts: {
        refused: creates.filter((call) => call.status === 503).length,
        created: creates.filter((call) => call.status === 201).length,
      },
      failedTimers: await app.db.prisma.timer.count({ where: { state: "failed" } }),
      minutesToDrainAfterRecovery: lastCreatedAt === 0 ? Number.NaN : round((lastCreatedAt - recoveryAt) / 60_000, 1),
      wallSeconds: round((performance.now() - wallStart) / 1000, 0),
    };
  } finally {
    await bot.close();
    await github.close();
  }
}

export function formatGitHubOutage(result: GitHubOutageResult): string {
  return [
    `GitHub answers 503 to every request for ${result.outageMinutes} simulated minutes while ${result.items} action items are added:`,
    "",
    "| items | issues per item: exactly 1 / none / more | create calls: 503 / 201 | failed timers | recovery → last issue recorded (simulated) | wall time |",
    "|---|---|---|---|---|---|",
    `| ${result.items} | ${result.issuesPerItem.exactlyOne} / ${result.issuesPerItem.none} / ${result.issuesPerItem.more} | ${result.createAttempts.refused} / ${result.createAttempts.created} | ${result.failedTimers} | ${result.minutesToDrainAfterRecovery} min | ${result.wallSeconds} s |`,
  ].join("\n");
}
