import { type SlackEmulator, startSlackEmulator } from "../tools/emulators/slack/index.ts";
import { SlackRequestSender } from "../tools/emulators/slack/signed-requests.ts";
import { spawnNode } from "./processes/spawn.ts";
import { type BotBuild, botBuilds, botNodeArgs, buildOnce, freshPostgresSchema, playbookFile, round, summarize } from "./support.ts";

/**
 * Declare end to end: from the signed `/incident declare` POST to the moment
 * the zero-latency Slack emulator has the channel, intro, announcement and
 * (for severities that page) every page DM. The channel's page notes and
 * checklists come after, paced at one message per second per channel, and are
 * not waited for. Also counts the Web API calls made until then.
 * Counted twice: the calls made by the moment the DMs land, and all the
 * calls the declaration makes once the bot has gone quiet (its paced channel
 * notes and checklists included). Before each declaration the bench waits
 * for quiet, so one declaration's trailing posts never count for the next.
 * The bot runs in its own process on PostgreSQL, built (`npm start`) and from
 * source (tsx); the emulator runs in this process so it can time the moment
 * each post lands.
 */

const signingSecret = "bench-declare-secret";
const quietMs = 1_500;
/** BENCH_PROBE_MS=0 turns the probe off (see below). */
const probeIntervalMs = Number(process.env.BENCH_PROBE_MS ?? 250);

export interface DeclareResult {
  build: BotBuild;
  severity: string;
  declarations: number;
  ms: ReturnType<typeof summarize>;
  callsPerDeclaration: { median: number; max: number; byMethod: Record<string, number> };
  /** Every call of the declaration, once the bot is quiet again. */
  allCallsPerDeclaration: { median: number; byMethod: Record<string, number> };
}

export async function measureDeclare(options: { count: number }): Promise<DeclareResult[]> {
  buildOnce();
  const results: DeclareResult[] = [];
  for (const build of botBuilds) results.push(...(await measureBuild(build, options.count)));
  return results;
}

async function measureBuild(build: BotBuild, count: number): Promise<DeclareResult[]> {
  const options = { count };
  const emulator = await startSlackEmulator();
  const schema = await freshPostgresSchema("declare");
  const bot = await spawnNode(
    botNodeArgs(build),
    {
      SLACK_BOT_TOKEN: "xoxb-bench",
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: emulator.apiUrl,
      PORT: "0",
      DATABASE_URL: schema.url,
      PLAYBOOK_FILE: playbookFile,
      LOG_LEVEL: "info",
    },
    (line) => line.msg === "incident bot listening",
  );
  const send = new SlackRequestSender(`http://127.0.0.1:${bot.line.port as number}`, signingSecret, (c, u) =>
    emulator.responseUrl(c, u),
  );
  // A service in production is touched every few seconds (load-balancer and Kubernetes probes,
  // Prometheus). This machine (a VM) adds 30–70 ms to the first request after about a second
  // of idling, in any process: a bare node HTTP server and a bare `SELECT 1` show it too
  // (docs/BENCHMARKS.md). A /readyz probe every 250 ms (it pings the database and makes no
  // Slack call) keeps the bench measuring the bot rather than that wake-up.
  const botUrl = `http://127.0.0.1:${bot.line.port as number}`;
  const probe =
    probeIntervalMs > 0
      ? setInterval(() => void fetch(`${botUrl}/readyz`).then((r) => r.arrayBuffer(), () => undefined), probeIntervalMs)
      : undefined;
  try {
    await declareOnce(emulator, send, "sev4", 0, 0); // warm-up: also fills the DM and user-group caches
    const results: DeclareResult[] = [];
    let number = 1;
    for (const [severity, expectedPosts] of [
      ["sev4", 0],
      ["sev1", 3], // the 3 page DMs; the channel's notes and checklists follow at Slack's 1 message/s pace
    ] as const) {
      const times: number[] = [];
      const calls: number[] = [];
      const allCalls: number[] = [];
      const byMethod: Record<string, number> = {};
      const allByMethod: Record<string, number> = {};
      for (let i = 0; i < options.count; i++) {
        number += 1;
        const { ms, methods, allMethods } = await declareOnce(emulator, send, severity, number, expectedPosts);
        times.push(ms);
        calls.push(methods.length);
        allCalls.push(allMethods.length);
        for (const method of methods) byMethod[method] = (byMethod[method] ?? 0) + 1;
        for (const method of allMethods) allByMethod[method] = (allByMethod[method] ?? 0) + 1;
      }
      const perDeclaration = (counts: Record<string, number>) =>
        Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, round(v / options.count, 2)]));
      results.push({
        build,
        severity: severity.toUpperCase(),
        declarations: options.count,
        ms: summarize(times),
        callsPerDeclaration: { median: median(calls), max: Math.max(...calls), byMethod: perDeclaration(byMethod) },
        allCallsPerDeclaration: { median: median(allCalls), byMethod: perDeclaration(allByMethod) },
      });
    }
    return results;
  } finally {
    clearInterval(probe);
    await bot.stop();
    await emulator.close();
    await schema.drop();
  }
}

/** Declares one incident and waits until its announcement and `extraPosts` more bot posts have landed. */
async function declareOnce(
  emulator: SlackEmulator,
  send: SlackRequestSender,
  severity: string,
  number: number,
  extraPosts: number,
): Promise<{ ms: number; methods: string[]; allMethods: string[] }> {
  // The previous declaration's paced posts, and Slack's one-message-per-second pace of the
  // DM channels this one pages again, must be over before this one starts.
  await untilQuiet(emulator);
  emulator.resetCalls();
  const title = `Benchmark incident ${number}`;
  let announced = false;
  let extra = 0;
  let doneAt = 0;
  const started = performance.now();
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`declaration ${number} did not finish`)), 30_000);
    const stop = emulator.onActivity((activity) => {
      if (activity.type !== "message_posted") return;
      const text = activity.message.text;
      if (activity.channel.label === "#incidents" && text.includes(title)) announced = true;
      else if (text.startsWith("You are paged")) extra += 1;
      if (announced && extra >= extraPosts) {
        doneAt = performance.now();
        clearTimeout(timer);
        stop();
        resolve();
      }
    });
  });
  const response = await send.slashCommand(`declare ${severity} ${title}`, { userId: "U0DAVE" });
  if (response.status !== 200) throw new Error(`declare answered ${response.status}`);
  await done;
  // Let trailing calls (none expected) land before counting.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const webApiMethods = () => emulator.calls.map((call) => call.method).filter((method) => method !== "response_url");
  const methods = webApiMethods();
  await untilQuiet(emulator);
  return { ms: doneAt - started, methods, allMethods: webApiMethods() };
}

/** Waits until the emulator has seen no call for `quietMs`. */
async function untilQuiet(emulator: SlackEmulator): Promise<void> {
  let seen = emulator.calls.length;
  let quietSince = performance.now();
  while (performance.now() - quietSince < quietMs) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (emulator.calls.length !== seen) {
      seen = emulator.calls.length;
      quietSince = performance.now();
    }
  }
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

export function formatDeclare(results: DeclareResult[]): string {
  return [
    "Declare end to end (signed POST → channel, intro, announcement and page DMs in the zero-latency emulator), ms; Web API calls made by then, and all calls of the declaration once the bot is quiet:",
    "",
    "| code | severity | declarations | p50 | p90 | max | calls by then (median / max) | by method (mean) | all calls (median) | all, by method (mean) |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...results.map((r) => {
      const methods = (byMethod: Record<string, number>) =>
        Object.entries(byMethod)
          .map(([method, count]) => `${method} ${count}`)
          .join(", ");
      return `| ${r.build} | ${r.severity} | ${r.declarations} | ${round(r.ms.p50, 0)} | ${round(r.ms.p90, 0)} | ${round(r.ms.max, 0)} | ${r.callsPerDeclaration.median} / ${r.callsPerDeclaration.max} | ${methods(r.callsPerDeclaration.byMethod)} | ${r.allCallsPerDeclaration.median} | ${methods(r.allCallsPerDeclaration.byMethod)} |`;
    }),
  ].join("\n");
}
