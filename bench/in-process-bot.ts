import { rmSync } from "node:fs";
import { loadConfig } from "../src/core/config/env.ts";
import { type SlackEmulator, startSlackEmulator } from "../tools/emulators/slack/index.ts";
import { SlackRequestSender } from "../tools/emulators/slack/signed-requests.ts";
import { createLogger, type Logger } from "../src/core/logging.ts";
import { type RunningApp, type StartOptions, startApp } from "../src/main.ts";
import type { ManualClock } from "../src/core/clock.ts";
import { freshPostgresSchema, playbookFile, tempDir } from "./support.ts";

/**
 * The bot in the benchmark's own process, on a fresh PostgreSQL schema and a
 * manual clock, beside a Slack emulator: for benchmarks that count outcomes
 * rather than time a separate process.
 */
export interface InProcessBot {
  app: RunningApp;
  slack: SlackEmulator;
  send: SlackRequestSender;
  signingSecret: string;
  close(): Promise<void>;
}

export async function startInProcessBot(options: {
  label: string;
  clock: ManualClock;
  env?: Record<string, string>;
  logger?: Logger;
  extra?: Partial<StartOptions>;
}): Promise<InProcessBot> {
  const signingSecret = `bench-${options.label}`;
  const slack = await startSlackEmulator();
  const schema = await freshPostgresSchema(options.label.replaceAll("-", "_"));
  const dataDir = tempDir(options.label);
  const app = await startApp({
    config: loadConfig({
      SLACK_BOT_TOKEN: "xoxb-bench",
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: "0",
      DATABASE_URL: schema.url,
      DATA_DIR: dataDir,
      PLAYBOOK_FILE: playbookFile,
      ...options.env,
    }),
    host: "127.0.0.1",
    logger: options.logger ?? createLogger("silent"),
    clock: options.clock,
    autoTick: false,
    ...options.extra,
  });
  return {
    app,
    slack,
    send: new SlackRequestSender(app.url, signingSecret, (channel, user) => slack.responseUrl(channel, user)),
    signingSecret,
    close: async () => {
      await app.stop();
      await slack.close();
      await schema.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
