import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppConfig, loadConfig } from "../../src/core/config/env.ts";
import type { Playbook } from "../../src/core/config/playbook.ts";
import type { GitHubEmulator } from "../../tools/emulators/github/index.ts";
import { type SlackEmulator, startSlackEmulator } from "../../tools/emulators/slack/index.ts";
import { type RunningApp, startApp } from "../../src/main.ts";
import { runUntilIdle } from "../../tools/drive-timers.ts";
import { ManualClock } from "./clock.ts";
import { type TestDatabase, testDatabase } from "./database.ts";
import { defaultPlaybookFile } from "./paths.ts";
import { SlackRequestSender } from "./slack-signer.ts";

export const signingSecret = "test-signing-secret";
export const githubWebhookSecret = "test-github-webhook-secret";
export const githubRepository = "acme/ops";

export interface TestBot {
  app: RunningApp;
  emulator: SlackEmulator;
  send: SlackRequestSender;
  database: TestDatabase;
  dataDir: string;
  clock: ManualClock;
  /**
   * Waits until everything the bot started after its acks has finished and
   * every timer due now has run. Timers deferred by a few seconds (Slack's
   * one-message-per-second pacing, Retry-After) are run too, by moving the
   * test clock forward up to `withinMs` at a time.
   */
  settle(options?: { withinMs?: number }): Promise<void>;
  /** Moves the test clock forward, then settles. */
  advance(ms: number): Promise<void>;
  /** Stops the bot (not the emulator), keeping its data. */
  stop(): Promise<void>;
  /** Starts a new bot process-equivalent on the same data and emulator. */
  restart(): Promise<TestBot>;
  /** Stops the bot and the emulator and removes the data. */
  dispose(): Promise<void>;
}

export interface TestBotOptions {
  label: string;
  emulator?: SlackEmulator;
  dataDir?: string;
  database?: TestDatabase;
  clock?: ManualClock;
  env?: Record<string, string>;
  /** Replaces the playbook loaded from PLAYBOOK_FILE. */
  playbook?: Playbook;
  /**
   * Turns GitHub follow-ups on against this emulator (repository acme/ops),
   * and points its webhooks at the bot's /github/webhook.
   */
  github?: GitHubEmulator;
}

export function testConfig(
  emulator: SlackEmulator,
  dataDir: string,
  env: Record<string, string> = {},
): AppConfig {
  return loadConfig({
    SLACK_BOT_TOKEN: "xoxb-test-token",
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: emulator.apiUrl,
    PORT: "0",
    DATA_DIR: dataDir,
    PLAYBOOK_FILE: defaultPlaybookFile,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    ...env,
  });
}

export async function startTestBot(options: TestBotOptions): Promise<TestBot> {
  const emulator = options.emulator ?? (await startSlackEmulator());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `incident-bot-${options.label}-`));
  const database = options.database ?? testDatabase(options.label, dataDir);
  const clock = options.clock ?? new ManualClock();
  const githubEnv: Record<string, string> = options.github
    ? {
        GITHUB_TOKEN: options.github.token,
        GITHUB_REPOSITORY: githubRepository,
        GITHUB_API_URL: options.github.apiUrl,
        GITHUB_WEBHOOK_SECRET: githubWebhookSecret,
      }
    : {};
  const app = await startApp({
    config: testConfig(emulator, dataDir, { ...githubEnv, ...options.env }),
    githubRetryBaseMs: 5,
    database: database.target,
    host: "127.0.0.1",
    clock,
    autoTick: false,
    ...(options.playbook ? { playbook: options.playbook } : {}),
  });
  options.github?.webhooks.configure({ url: `${app.url}/github/webhook`, secret: githubWebhookSecret });
  const send = new SlackRequestSender(app.url, signingSecret, (channelId, userId) =>
    emulator.responseUrl(channelId, userId),
  );
  const bot: TestBot = {
    app,
    emulator,
    send,
    database,
    dataDir,
    clock,
    settle: async ({ withinMs = 5_000 } = {}) => {
      await app.resumed;
      await runUntilIdle(app, clock, withinMs);
    },
    advance: async (ms) => {
      clock.advance(ms);
      await bot.settle();
    },
    stop: () => app.stop(),
    restart: async () => {
      await app.stop();
      return startTestBot({ ...options, emulator, dataDir, database, clock });
    },
    dispose: async () => {
      await app.stop();
      await emulator.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return bot;
}
