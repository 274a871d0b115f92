import { Agent, request } from "node:http";
import { fileURLToPath } from "node:url";
import { slackSignature } from "../tools/emulators/slack/signed-requests.ts";
import { spawnScript } from "./processes/spawn.ts";
import { freshPostgresSchema, playbookFile, round, summarize } from "./support.ts";

/**
 * Slash-command ack latency, HTTP mode, on PostgreSQL: an open-loop load of
 * signed slash commands at a fixed rate, against the real bot and, in the
 * same run, a bare Bolt app whose only listener acks. Two commands for the
 * bot: `/incident list` (acked empty, then a database query and a reply via
 * response_url compete with the next acks) and `/incident help` (answered in
 * the ack itself: routing cost only).
 *
 * Open loop: requests are sent on schedule whether or not earlier ones have
 * answered, so a slow server cannot slow the load down and hide its latency.
 * The bot (as `npm start` runs it), the bare Bolt app and the Slack emulator
 * each run in their own process; this process only generates load and times.
 */

const script = (name: string) => fileURLToPath(new URL(`./processes/${name}`, import.meta.url));
const startScript = fileURLToPath(new URL("../src/cli/start.ts", import.meta.url));

const signingSecret = "bench-signing-secret";

export interface AckLatencyResult {
  ratePerSecond: number;
  durationSeconds: number;
  botList: ReturnType<typeof summarize> & { errors: number };
  botHelp: ReturnType<typeof summarize> & { errors: number };
  bareBolt: ReturnType<typeof summarize> & { errors: number };
}

export async function measureAckLatency(options: {
  ratePerSecond: number;
  durationSeconds: number;
}) {
  const emulator = await spawnScript(script("emulator.ts"), {}, (line) => "apiUrl" in line);
  const { apiUrl, responseUrl } = emulator.line as { apiUrl: string; responseUrl: string };
  const schema = await freshPostgresSchema("ack");
  const botEnv = {
    SLACK_BOT_TOKEN: "xoxb-bench",
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: apiUrl,
    PORT: "0",
    DATABASE_URL: schema.url,
    PLAYBOOK_FILE: playbookFile,
    LOG_LEVEL: "info",
  };
  const bot = await spawnScript(
    startScript,
    botEnv,
    (line) => line.msg === "incident bot listening",
  );
  const bare = await spawnScript(
    script("bare-bolt.ts"),
    botEnv,
    (line) => line.msg === "listening",
  );
  try {
    const botPort = bot.line.port as number;
    const barePort = bare.line.port as number;
    // Warm both up (JIT, connection pools, Bolt's lazy auth.test).
    await runOpenLoop(botPort, responseUrl, "list", 20, 3);
    await runOpenLoop(barePort, responseUrl, "list", 20, 3);

    const run = async (port: number, text: string) => {
      const result = await runOpenLoop(
        port,
        responseUrl,
        text,
        options.ratePerSecond,
        options.durationSeconds,
      );
      return { ...summarize(result.latencies), errors: result.errors };
    };
    return {
      ratePerSecond: options.ratePerSecond,
      durationSeconds: options.durationSeconds,
      botList: await run(botPort, "list"),
      botHelp: await run(botPort, "help"),
      bareBolt: await run(barePort, "list"),
    } satisfies AckLatencyResult;
  } finally {
    await Promise.all([bare.stop(), bot.stop()]);
    await emulator.stop();
    await schema.drop();
  }
}

async function runOpenLoop(
  port: number,
  responseUrl: string,
  text: string,
  ratePerSecond: number,
  durationSeconds: number,
) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const total = ratePerSecond * durationSeconds;
  const intervalMs = 1000 / ratePerSecond;
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(
      sendSlashCommand(agent, port, responseUrl, text).then(
        (ms) => {
          latencies.push(ms);
        },
        () => {
          errors += 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { latencies, errors };
}

function sendSlashCommand(
  agent: Agent,
  port: number,
  responseUrl: string,
  text: string,
): Promise<number> {
  const body = new URLSearchParams({
    command: "/incident",
    text,
    user_id: "U0ALICE",
    channel_id: "C0GENERAL",
    team_id: "T0TEAM",
    trigger_id: "1.2.bench",
    response_url: responseUrl,
    api_app_id: "A0BOT",
  }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/slack/events",
        agent,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
          "x-slack-request-timestamp": String(timestamp),
          "x-slack-signature": slackSignature(signingSecret, timestamp, body),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode === 200) resolve(performance.now() - started);
          else reject(new Error(`status ${res.statusCode}`));
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export function formatAckLatency(result: AckLatencyResult): string {
  const row = (name: string, s: AckLatencyResult["botList"]) =>
    `| ${name} | ${s.count} | ${round(s.p50, 2)} | ${round(s.p99, 2)} | ${round(s.max, 2)} | ${s.errors} |`;
  return [
    `Slash-command ack latency, ${result.ratePerSecond} req/s for ${result.durationSeconds} s each (ms):`,
    "",
    "| server and command | requests | p50 | p99 | max | errors |",
    "|---|---|---|---|---|---|",
    row("incident bot, `/incident list` (PostgreSQL)", result.botList),
    row("incident bot, `/incident help`", result.botHelp),
    row("bare Bolt app, ack only", result.bareBolt),
    "",
    `p99 ratio to bare Bolt: list ${round(result.botList.p99 / result.bareBolt.p99, 2)}, help ${round(result.botHelp.p99 / result.bareBolt.p99, 2)}`,
  ].join("\n");
}
