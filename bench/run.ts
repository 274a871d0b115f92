import { mkdirSync, writeFileSync } from "node:fs";
import { formatAckLatency, measureAckLatency } from "./ack-latency.ts";
import { formatDeclare, measureDeclare } from "./declare.ts";
import { formatFirstNotice, measureFirstNotice } from "./first-notice.ts";
import { formatFuzz, measureFuzz } from "./fuzz.ts";
import { formatGitHubOutage, measureGitHubOutage } from "./github-outage.ts";
import { formatIdleWakeup, measureIdleWakeup } from "./idle-wakeup.ts";
import { formatStartup, measureStartup } from "./startup.ts";
import { formatStatusPage, measureStatusPage } from "./status-page.ts";
import { machineDescription, postgresUrl } from "./support.ts";
import { formatTimerLag, measureTimerLag } from "./timer-lag.ts";

/**
 * `npm run bench [name…]`: runs the benchmarks (all by default), prints
 * Markdown for docs/BENCHMARKS.md and saves raw JSON in bench/results/.
 * Needs the PostgreSQL in DATABASE_URL (default 127.0.0.1:5432/test).
 */

const benchmarks: Record<string, () => Promise<{ text: string; raw: unknown }>> = {
  "ack-latency": async () => {
    const result = await measureAckLatency({ ratePerSecond: 50, durationSeconds: 30 });
    return { text: formatAckLatency(result), raw: result };
  },
  declare: async () => {
    const results = await measureDeclare({ count: 30 });
    return { text: formatDeclare(results), raw: results };
  },
  startup: async () => {
    const idleSeconds = 10;
    const samples = await measureStartup({ idleSeconds });
    return { text: formatStartup(samples, idleSeconds), raw: samples };
  },
  "timer-lag": async () => {
    const result = await measureTimerLag();
    return { text: formatTimerLag(result), raw: result };
  },
  "github-outage": async () => {
    const result = await measureGitHubOutage({ items: 40, outageMinutes: 10 });
    return { text: formatGitHubOutage(result), raw: result };
  },
  fuzz: async () => {
    const result = await measureFuzz({ cases: Number(process.env.FUZZ_CASES ?? 10_000), seed: Number(process.env.FUZZ_SEED ?? 20261130) });
    return { text: formatFuzz(result), raw: result };
  },
  "first-notice": async () => {
    const result = await measureFirstNotice({ runs: Number(process.env.FIRST_NOTICE_RUNS ?? 10) });
    return { text: formatFirstNotice(result), raw: result };
  },
  "idle-wakeup": async () => {
    const result = await measureIdleWakeup({ samples: 10 });
    return { text: formatIdleWakeup(result), raw: result };
  },
  "status-page": async () => {
    const result = await measureStatusPage({ durationSeconds: 20, connections: 100 });
    return { text: formatStatusPage(result), raw: result };
  },
};

const requested = process.argv.slice(2);
const names = requested.length > 0 ? requested : Object.keys(benchmarks);
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
console.log(
  `Machine: ${machineDescription()}; PostgreSQL: ${new URL(postgresUrl).host}; ${new Date().toISOString()}\n`,
);
for (const name of names) {
  const run = benchmarks[name];
  if (!run) {
    console.error(`Unknown benchmark "${name}". Known: ${Object.keys(benchmarks).join(", ")}`);
    process.exit(2);
  }
  const { text, raw } = await run();
  console.log(`### ${name}\n\n${text}\n`);
  writeFileSync(new URL(`./results/${name}.json`, import.meta.url), JSON.stringify(raw, null, 2));
}
process.exit(0);
