import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SlackEmulator, startSlackEmulator } from "../../tools/emulators/slack/index.ts";
import { type BotProcess, killAll, spawnBot, waitUntilReady } from "../support/bot-process.ts";
import { type TestDatabase, testDatabase } from "../support/database.ts";
import { defaultPlaybookFile } from "../support/paths.ts";
import { SlackRequestSender } from "../support/slack-signer.ts";
import { waitFor } from "../support/wait.ts";

/**
 * A real Prometheus (Debian's /usr/bin/prometheus; .ci/run installs it)
 * scraping the real bot (src/cli/start.ts as a child process) every second,
 * with deploy/prometheus/alerts.yml loaded. A missing Prometheus fails the test.
 *
 * The rule file is loaded as shipped, except that its `for:` durations are
 * shortened to 5 s in a temporary copy, so the outbox alert fires within the
 * test; its thresholds (a delivery over a minute old whose attempts fail) are
 * the real ones.
 */
const prometheusBinary = "/usr/bin/prometheus";
const alertsFile = fileURLToPath(new URL("../../deploy/prometheus/alerts.yml", import.meta.url));
const signingSecret = "prometheus-test-secret";

let emulator: SlackEmulator;
let dataDir: string;
let database: TestDatabase;
let bot: BotProcess;
const bots: BotProcess[] = [];
let prometheus: ChildProcess | undefined;
let prometheusExited: Promise<void> | undefined;
let prometheusUrl: string;
let prometheusLog = "";

beforeAll(async () => {
  expect(existsSync(prometheusBinary), `${prometheusBinary} is missing: apt-get install -y prometheus`).toBe(true);
  emulator = await startSlackEmulator();
  dataDir = mkdtempSync(join(tmpdir(), "bot-prometheus-"));
  database = testDatabase("prometheus", join(dataDir, "bot"));
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: "xoxb-prometheus-test",
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: emulator.apiUrl,
    PLAYBOOK_FILE: defaultPlaybookFile,
    DATA_DIR: join(dataDir, "bot"),
    // Scraped every second: a short cache window keeps the test short (production: 15 s).
    METRICS_CACHE_SECONDS: "1",
  };
  if (database.target.kind === "postgres") env.DATABASE_URL = database.target.url;
  bot = await spawnBot(env);
  bots.push(bot);
  await waitUntilReady(bot.url);

  const rules = readFileSync(alertsFile, "utf8").replace(/^(\s+for:) \d+[smh]$/gm, "$1 5s");
  expect(rules).toContain("for: 5s");
  writeFileSync(join(dataDir, "alerts.yml"), rules);
  writeFileSync(
    join(dataDir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "rule_files:",
      `  - ${join(dataDir, "alerts.yml")}`,
      "scrape_configs:",
      "  - job_name: incident-bot",
      "    scrape_interval: 1s",
      "    scrape_timeout: 1s",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${bot.port}"]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    prometheusBinary,
    [
      `--config.file=${join(dataDir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dataDir, "tsdb")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  prometheus.stderr!.on("data", (chunk: Buffer) => {
    prometheusLog += chunk.toString("utf8");
  });
  const child = prometheus;
  prometheusExited = new Promise((resolve) => child.once("exit", () => resolve()));
  await waitFor(
    () => fetch(`${prometheusUrl}/-/ready`).then((response) => response.status, () => undefined),
    (status) => status === 200,
    { what: `Prometheus to be ready (log: ${prometheusLog})`, timeoutMs: 30_000, intervalMs: 200 },
  );
}, 90_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    prometheus.kill("SIGTERM");
    await prometheusExited;
  }
  await killAll(bots);
  await emulator?.close();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("a real Prometheus scraping the bot, with deploy/prometheus/alerts.yml", () => {
  it("scrapes it, sees a declared incident by PromQL, and fires IncidentBotOutboxStuck when Slack answers 500", { timeout: 150_000 }, async () => {
    // Scraped: up is 1 for the bot's target.
    await until(() => query('up{job="incident-bot"}'), (result) => result.length === 1 && result[0]!.value === 1, "up to be 1");
    // IncidentBotAbsent (its `for:` shortened to 5 s here) may already fire when Prometheus's first
    // scrape comes late on a loaded machine; once the bot is scraped, no alert may stay firing.
    await until(() => firingAlerts(), (alerts) => alerts.length === 0, "no alert firing once the bot is scraped");

    const send = new SlackRequestSender(bot.url, signingSecret, (channelId, userId) => emulator.responseUrl(channelId, userId));
    const declared = await send.slashCommand("declare sev2 Checkout API returning 500s");
    expect(declared.status).toBe(200);
    await until(
      () => query('sum(incident_bot_open_incidents{job="incident-bot", severity="SEV2", status="investigating"})'),
      (result) => result[0]?.value === 1,
      "the open incident to show in PromQL",
    );
    expect((await query('sum(incident_bot_open_incidents{job="incident-bot"})'))[0]?.value).toBe(1);
    const channel = emulator.world.channels().find((candidate) => candidate.name.startsWith("inc-1"));
    expect(channel, "the incident channel").toBeDefined();
    // Everything the declaration queued was delivered: the Slack outbox is empty.
    await until(() => query('incident_bot_outbox_depth{outbox="slack"}'), (result) => result[0]?.value === 0, "the Slack outbox to drain");

    // Slack answers 500 to every post from now on: the status update stays in the outbox.
    emulator.faults.add({ method: "chat.postMessage", kind: "server_error", status: 500 });
    const update = await send.slashCommand("update identified A bad deploy of the checkout service", { channelId: channel!.id });
    expect(update.status).toBe(200);
    await until(
      () => query('incident_bot_outbox_retrying{outbox="slack"}'),
      (result) => (result[0]?.value ?? 0) >= 1,
      "the failing delivery to show as retrying",
    );
    expect(await firingAlerts()).toEqual([]);

    const firing = await waitFor(
      firingAlerts,
      (alerts) => alerts.some((alert) => alert.labels.alertname === "IncidentBotOutboxStuck"),
      { what: "IncidentBotOutboxStuck to fire", timeoutMs: 110_000, intervalMs: 1_000 },
    );
    const stuck = firing.find((alert) => alert.labels.alertname === "IncidentBotOutboxStuck")!;
    expect(stuck.labels).toMatchObject({ outbox: "slack", job: "incident-bot", severity: "critical" });
    expect(Number(stuck.value)).toBeGreaterThan(60);
    // Only the outbox is stuck: the bot is up and its timers run.
    expect(firing.map((alert) => alert.labels.alertname)).toEqual(["IncidentBotOutboxStuck"]);
  });
});

interface VectorSample {
  labels: Record<string, string>;
  value: number;
}

/** An instant PromQL query through Prometheus's HTTP API. */
async function query(promql: string): Promise<VectorSample[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== "success") throw new Error(`query ${promql} failed: ${body.error}`);
  return body.data.result.map((sample) => ({ labels: sample.metric, value: Number(sample.value[1]) }));
}

async function firingAlerts(): Promise<{ labels: Record<string, string>; state: string; value: string }[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/alerts`);
  const body = (await response.json()) as { data: { alerts: { labels: Record<string, string>; state: string; value: string }[] } };
  return body.data.alerts.filter((alert) => alert.state === "firing");
}

function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  return waitFor(read, done, { what, timeoutMs: 30_000, intervalMs: 500 });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
