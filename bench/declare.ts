import { fileURLToPath } from "node:url";
import { type SlackEmulator, startSlackEmulator } from "../tools/emulators/slack/index.ts";
import { SlackRequestSender } from "../tools/emulators/slack/signed-requests.ts";
import { spawnScript } from "./processes/spawn.ts";
import { freshPostgresSchema, playbookFile, round, summarize } from "./support.ts";

/**
 * Declare end to end: from the signed `/incident declare` POST to the moment
 * the zero-latency Slack emulator has the channel, intro, announcement and
 * (for severities that page) every page DM. The channel's page notes and
 * checklists come after, paced at one message per second per channel, and are
 * not waited for. Also counts the Web API calls made until then.
 * The bot runs as `npm start` does, in its own process, on PostgreSQL; the
 * emulator runs in this process so it can time the moment each post lands.
 */

const signingSecret = "bench-declare-secret";
const startScript = fileURLToPath(new URL("../src/cli/start.ts", import.meta.url));

export interface DeclareResult {
  severity: string;
  declarations: number;
  ms: ReturnType<typeof summarize>;
  callsPerDeclaration: { median: number; max: number; byMethod: Record<string, number> };
}

export async function measureDeclare(options: { count: number }): Promise<DeclareResult[]> {
  const emulator = await startSlackEmulator();
  const schema = await freshPostgresSchema("declare");
  const bot = await spawnScript(
    startScript,
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
  try {
    await declareOnce(emulator, send, "sev4", 0, 0); // warm-up
    const results: DeclareResult[] = [];
    let number = 1;
    for (const [severity, expectedPosts] of [
      ["sev4", 0],
      ["sev1", 3], // the 3 page DMs; the channel's notes and checklists follow at Slack's 1 message/s pace
    ] as const) {
      const times: number[] = [];
      const calls: number[] = [];
      const byMethod: Record<string, number> = {};
      for (let i = 0; i < options.count; i++) {
        number += 1;
        // Each SEV1 pages the same three people. Slack takes about one message per second per
        // channel, DMs included, so back-to-back declarations would measure that pacing (the
        // next page DM waits for its slot) rather than a declaration. Space them out.
        if (expectedPosts > 0) await new Promise((resolve) => setTimeout(resolve, 1100));
        const { ms, methods } = await declareOnce(emulator, send, severity, number, expectedPosts);
        times.push(ms);
        calls.push(methods.length);
        for (const method of methods) byMethod[method] = (byMethod[method] ?? 0) + 1;
      }
      const sortedCalls = [...calls].sort((a, b) => a - b);
      results.push({
        severity: severity.toUpperCase(),
        declarations: options.count,
        ms: summarize(times),
        callsPerDeclaration: {
          median: sortedCalls[Math.floor(sortedCalls.length / 2)]!,
          max: sortedCalls.at(-1)!,
          byMethod: Object.fromEntries(Object.entries(byMethod).map(([k, v]) => [k, round(v / options.count, 2)])),
        },
      });
    }
    return results;
  } finally {
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
): Promise<{ ms: number; methods: string[] }> {
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
  const methods = emulator.calls.map((call) => call.method).filter((method) => method !== "response_url");
  return { ms: doneAt - started, methods };
}

export function formatDeclare(results: DeclareResult[]): string {
  return [
    "Declare end to end (signed POST → channel, intro, announcement and page DMs in the zero-latency emulator), ms, and Web API calls made by then:",
    "",
    "| severity | declarations | p50 | p90 | max | calls (median / max) | calls by method (mean) |",
    "|---|---|---|---|---|---|---|",
    ...results.map(
      (r) =>
        `| ${r.severity} | ${r.declarations} | ${round(r.ms.p50, 0)} | ${round(r.ms.p90, 0)} | ${round(r.ms.max, 0)} | ${r.callsPerDeclaration.median} / ${r.callsPerDeclaration.max} | ${Object.entries(
          r.callsPerDeclaration.byMethod,
        )
          .map(([method, count]) => `${method} ${count}`)
          .join(", ")} |`,
    ),
  ].join("\n");
}
