import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { noticePhases, noticesDirFor } from "../../src/capabilities/notices/templates.ts";
import { openDatabase } from "../../src/core/db/database.ts";
import { readMigrations } from "../../src/core/db/migrate.ts";
import { type SlackEmulator, startSlackEmulator } from "../../tools/emulators/slack/index.ts";
import { spawnBot, waitUntilReady } from "../support/bot-process.ts";
import { onPostgres, type TestDatabase, testDatabase } from "../support/database.ts";
import { defaultPlaybookFile } from "../support/paths.ts";
import { waitFor } from "../support/wait.ts";
import { SlackRequestSender } from "../support/slack-signer.ts";

const signingSecret = "process-test-secret";
const botToken = "xoxb-process-test-token-do-not-log";
let emulator: SlackEmulator;
let dataDir: string;
let database: TestDatabase;

beforeEach(async () => {
  emulator = await startSlackEmulator();
  dataDir = mkdtempSync(join(tmpdir(), "bot-process-"));
  database = testDatabase("process", dataDir);
});

afterEach(async () => {
  await emulator.close();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

function botEnv(): Record<string, string> {
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: emulator.apiUrl,
    PLAYBOOK_FILE: defaultPlaybookFile,
    DATA_DIR: dataDir,
  };
  if (database.target.kind === "postgres") env.DATABASE_URL = database.target.url;
  return env;
}

describe("the bot as a process", () => {
  it("on SIGTERM finishes the in-flight declaration, closes the database and exits 0", async () => {
    const bot = await spawnBot(botEnv());
    await waitUntilReady(bot.url);
    emulator.faults.add({ method: "conversations.create", kind: "slow", delayMs: 1500, times: 1 });
    const send = new SlackRequestSender(bot.url, signingSecret, (c, u) =>
      emulator.responseUrl(c, u),
    );
    const response = await send.slashCommand("declare sev2 Deploy during shutdown");
    expect(response.status).toBe(200);
    bot.child.kill("SIGTERM");

    expect(await bot.exited).toEqual({ code: 0, signal: null });
    expect(bot.logs.map((l) => l.msg)).toContain("shutdown complete");
    // Logs never carry the secrets, whatever was logged.
    const logText = JSON.stringify(bot.logs);
    expect(logText).not.toContain(botToken);
    expect(logText).not.toContain(signingSecret);

    const db = await openDatabase(database.target);
    const incident = await db.prisma.incident.findFirstOrThrow();
    await db.close();
    expect(incident.phase).toBe("active");
    expect(emulator.world.messages("C0INCIDENTS")).toHaveLength(1);
  });

  it("stays up while Slack is unreachable at startup, reports not ready, then serves once Slack answers", async () => {
    // Bolt verifies the token with auth.test as soon as the app is built; a failure there used to
    // be an unhandled rejection that killed the process, and would have been cached for good.
    const outage = emulator.faults.add({ method: "auth.test", kind: "server_error", status: 503 });
    const bot = await spawnBot(botEnv());
    await waitFor(
      () => emulator.calls.filter((call) => call.method === "auth.test").length,
      (count) => count >= 2,
      { what: "the bot to try auth.test more than once", timeoutMs: 15_000 },
    );
    const notReady = await fetch(`${bot.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(bot.child.exitCode).toBeNull();

    outage.remove();
    await waitUntilReady(bot.url, 15_000);
    const send = new SlackRequestSender(bot.url, signingSecret, (c, u) => emulator.responseUrl(c, u));
    expect((await send.slashCommand("declare sev3 Slack came back")).status).toBe(200);
    await waitFor(
      () => emulator.world.messages("C0INCIDENTS").length,
      (count) => count === 1,
      { what: "the announcement of the declaration made after Slack came back" },
    );
    bot.child.kill("SIGTERM");
    expect(await bot.exited).toEqual({ code: 0, signal: null });
  });

  it("refuses to start on bad settings, naming every problem in one message", () => {
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("../../src/cli/start.ts", import.meta.url))],
      {
        env: {
          PATH: process.env.PATH,
          // A format error, …
          PORT: "not-a-port",
          // … a missing setting (no SLACK_SIGNING_SECRET in HTTP mode), …
          SLACK_BOT_TOKEN: "xoxb-secret-value-123",
          // … half of the SMTP pair, …
          SMTP_URL: "smtp://mailer:smtp-password-456@mail.example.com:587",
          // … and timeouts that contradict each other.
          HTTP_HEADERS_TIMEOUT_SECONDS: "40",
          HTTP_REQUEST_TIMEOUT_SECONDS: "30",
        },
        encoding: "utf8",
        // Should the settings pass, the bot would run on: kill it and fail rather than hang.
        timeout: 20_000,
        killSignal: "SIGKILL",
      },
    );
    expect(result.status).toBe(1);
    const problems = [
      "PORT: must be a port number",
      "SLACK_SIGNING_SECRET: required in HTTP mode",
      "SMTP_URL and NOTICE_RECIPIENTS: set both",
      "HTTP_HEADERS_TIMEOUT_SECONDS: must not exceed HTTP_REQUEST_TIMEOUT_SECONDS",
    ];
    // One message: its header counts them, and each has its line.
    expect(result.stderr).toContain(`Invalid configuration (${problems.length} problems):`);
    const lines = result.stderr.split("\n").filter((line) => line.startsWith("  - "));
    expect(lines).toHaveLength(problems.length);
    problems.forEach((problem, i) => expect(lines[i]).toContain(problem));
    expect(result.stderr).not.toContain("secret-value-123");
    expect(result.stderr).not.toContain("smtp-password-456");
  });

  it("refuses to start when the playbook's notices/ lacks a phase's template, naming the file", () => {
    // A playbook directory like the shipped one, without notices/resolved.hbs.
    const playbookDir = join(dataDir, "playbook");
    mkdirSync(join(playbookDir, "notices"), { recursive: true });
    copyFileSync(defaultPlaybookFile, join(playbookDir, "playbook.yml"));
    for (const phase of noticePhases) {
      if (phase === "resolved") continue;
      copyFileSync(join(noticesDirFor(defaultPlaybookFile), `${phase}.hbs`), join(playbookDir, "notices", `${phase}.hbs`));
    }
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("../../src/cli/start.ts", import.meta.url))],
      {
        env: { ...botEnv(), PATH: process.env.PATH, PORT: "0", PLAYBOOK_FILE: join(playbookDir, "playbook.yml") },
        encoding: "utf8",
        // A bot that wrongly starts would run on: kill it (one process, no
        // tsx wrapper to outlive) and fail rather than hang.
        timeout: 20_000,
        killSignal: "SIGKILL",
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Customer-notice templates are invalid");
    expect(result.stderr).toContain(`${join(playbookDir, "notices", "resolved.hbs")}: missing`);
  });

  it.runIf(onPostgres)(
    "two instances starting together on one PostgreSQL both come up; migrations run once",
    async () => {
      const [first, second] = await Promise.all([spawnBot(botEnv()), spawnBot(botEnv())]);
      await Promise.all([waitUntilReady(first!.url), waitUntilReady(second!.url)]);
      const applied = [first!, second!].map(
        (bot) => (bot.logs.find((l) => l.msg === "database ready")?.applied as string[]) ?? [],
      );
      const migrationNames = readMigrations().map((m) => m.name);
      // Between them, each migration was applied exactly once.
      expect([...applied[0]!, ...applied[1]!].sort()).toEqual(migrationNames);

      const db = await openDatabase(database.target);
      const rows = await db.prisma.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name`;
      await db.close();
      expect(rows.map((r) => r.migration_name)).toEqual(migrationNames);

      for (const bot of [first!, second!]) bot.child.kill("SIGTERM");
      expect((await first!.exited).code).toBe(0);
      expect((await second!.exited).code).toBe(0);
    },
  );
});
