import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import pg from "pg";
import { splitSchemaParameter } from "../src/core/db/database.ts";
import { openDatabase } from "../src/core/db/database.ts";
import { runHttpLoad } from "./http-load.ts";
import { spawnScript } from "./processes/spawn.ts";
import { freshPostgresSchema, playbookFile, postgresUrl, round } from "./support.ts";

/**
 * The status page under an outage's traffic spike (SPEC.md: ≥ 2,000 req/s on
 * 2 cores, p99 ≤ 50 ms, and the database is not queried per request).
 *
 * PostgreSQL with 1,000 incidents over 90 days (most resolved, a few active,
 * some private, public and internal updates). The bot runs as `npm start`
 * runs it, in its own process; this process loads `/status` and
 * `/api/v2/summary.json`, closed loop, at high concurrency. Each endpoint is
 * loaded as browsers ask for it (`Accept-Encoding: gzip, deflate, br`) and
 * without compression (scripts, monitors), and each of those twice: with
 * autocannon, and with the lean client in http-load.ts. autocannon turns
 * every body into a string, so with the 40–320 KB `/status` it, not the
 * bot, is what runs out of CPU: the bot's own CPU use is reported beside
 * each run to show which side was the limit.
 *
 * Database traffic is read from PostgreSQL's own statistics for the bot's
 * schema (table scans, `pg_stat_user_tables`) and database (transactions,
 * `pg_stat_database.xact_commit`), over an idle window of the same length
 * first and then over each load. The bot's background work (the timer
 * engine's tick, the status page's 5 s change check) shows in both; a query
 * per request would add one scan per request under load.
 */

const startScript = fileURLToPath(new URL("../src/cli/start.ts", import.meta.url));
const emulatorScript = fileURLToPath(new URL("./processes/emulator.ts", import.meta.url));

const incidentCount = 1_000;
const activeCount = 4;
const dayMs = 86_400_000;

export interface DatabaseActivity {
  scans: number;
  transactions: number;
}

export interface LoadRun {
  path: string;
  client: "autocannon" | "lean";
  compressed: boolean;
  connections: number;
  durationSeconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  bytesPerResponse: number;
  /** CPU time the bot used per second of load (1 = one core). */
  botCpu: number;
  database: DatabaseActivity;
}

export interface StatusPageBenchResult {
  incidents: number;
  activeIncidents: number;
  timelineEvents: number;
  idle: { seconds: number; database: DatabaseActivity };
  runs: LoadRun[];
}

export async function measureStatusPage(options: {
  durationSeconds: number;
  connections: number;
}): Promise<StatusPageBenchResult> {
  const schema = await freshPostgresSchema("status");
  const seeded = await seed(schema.url);
  const emulator = await spawnScript(emulatorScript, {}, (line) => "apiUrl" in line);
  const bot = await spawnScript(
    startScript,
    {
      SLACK_BOT_TOKEN: "xoxb-bench",
      SLACK_SIGNING_SECRET: "bench-signing-secret",
      SLACK_API_URL: (emulator.line as { apiUrl: string }).apiUrl,
      PORT: "0",
      DATABASE_URL: schema.url,
      PLAYBOOK_FILE: playbookFile,
      LOG_LEVEL: "info",
    },
    (line) => line.msg === "incident bot listening",
  );
  const stats = new pg.Client({ connectionString: postgresUrl });
  await stats.connect();
  try {
    const base = `http://127.0.0.1:${bot.line.port as number}`;
    const summary = (await (await fetch(`${base}/api/v2/summary.json`)).json()) as {
      incidents: unknown[];
    };
    if (summary.incidents.length !== seeded.publicActive) {
      throw new Error(
        `the page shows ${summary.incidents.length} active incidents, expected ${seeded.publicActive}`,
      );
    }
    const schemaName = splitSchemaParameter(schema.url).schema!;
    const activity = () => databaseActivity(stats, schemaName);

    // Warm-up (JIT, sockets), not reported.
    for (const path of ["/status", "/api/v2/summary.json"]) {
      await load(base, path, true, options.connections, 3);
      await load(base, path, false, options.connections, 3);
    }

    const idleBefore = await activity();
    await sleep(options.durationSeconds * 1000);
    const idle = difference(await activity(), idleBefore);

    const port = bot.line.port as number;
    const botCpuSeconds = () => processCpuSeconds(bot.child.pid!);
    const runs: LoadRun[] = [];
    for (const path of ["/status", "/api/v2/summary.json"]) {
      for (const compressed of [true, false]) {
        for (const client of ["autocannon", "lean"] as const) {
          const before = await activity();
          const cpuBefore = botCpuSeconds();
          const measured =
            client === "autocannon"
              ? fromAutocannon(
                  await load(base, path, compressed, options.connections, options.durationSeconds),
                )
              : await runHttpLoad({
                  port,
                  path,
                  headers: compressed ? { "accept-encoding": "gzip, deflate, br" } : {},
                  connections: options.connections,
                  durationSeconds: options.durationSeconds,
                });
          const botCpu = (botCpuSeconds() - cpuBefore) / measured.seconds;
          const database = difference(await activity(), before);
          runs.push({
            path,
            client,
            compressed,
            connections: options.connections,
            durationSeconds: options.durationSeconds,
            requests: measured.requests,
            requestsPerSecond: measured.requestsPerSecond,
            latencyMs: measured.latencyMs,
            non2xx: measured.non2xx,
            errors: measured.errors,
            timeouts: measured.timeouts,
            bytesPerResponse: measured.bytesPerResponse,
            botCpu: round(botCpu, 2),
            database,
          });
        }
      }
    }
    return {
      incidents: incidentCount,
      activeIncidents: seeded.publicActive,
      timelineEvents: seeded.events,
      idle: { seconds: options.durationSeconds, database: idle },
      runs,
    };
  } finally {
    await stats.end();
    await bot.stop();
    await emulator.stop();
    await schema.drop();
  }
}

/** autocannon's result in the lean client's terms (its latency is in whole milliseconds). */
function fromAutocannon(result: autocannon.Result) {
  return {
    requests: result.requests.total,
    seconds: result.duration,
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    // Throughput counts headers too; close enough to tell 40 KB from 320 KB.
    bytesPerResponse: Math.round(result.throughput.total / Math.max(1, result.requests.total)),
  };
}

/** utime + stime of a process, from /proc (Linux), in seconds. */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function load(
  base: string,
  path: string,
  compressed: boolean,
  connections: number,
  durationSeconds: number,
): Promise<autocannon.Result> {
  return autocannon({
    url: `${base}${path}`,
    connections,
    duration: durationSeconds,
    headers: compressed ? { "accept-encoding": "gzip, deflate, br" } : {},
  });
}

/**
 * Scans of the schema's tables and committed transactions in the database,
 * as PostgreSQL counts them. Statistics reach the shared counters within
 * about a second, so each reading first waits for them to settle.
 */
async function databaseActivity(client: pg.Client, schema: string): Promise<DatabaseActivity> {
  await sleep(1_500);
  await client.query("SELECT pg_stat_clear_snapshot()");
  const scans = await client.query<{ scans: string }>(
    `SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) AS scans
       FROM pg_stat_user_tables WHERE schemaname = $1`,
    [schema],
  );
  const transactions = await client.query<{ xact_commit: string }>(
    "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
  );
  return {
    scans: Number(scans.rows[0]!.scans),
    transactions: Number(transactions.rows[0]!.xact_commit),
  };
}

function difference(after: DatabaseActivity, before: DatabaseActivity): DatabaseActivity {
  return {
    scans: after.scans - before.scans,
    transactions: after.transactions - before.transactions,
  };
}

/**
 * 1,000 incidents declared over the last 90 days. Most are resolved after
 * 20 minutes to 6 hours; a few are still open. One in twenty is private.
 * Each has a public "investigating" update, an internal one, a public
 * "monitoring" one and (when resolved) a resolution, plus the declaration
 * events every incident has.
 */
export async function seed(url: string): Promise<{ publicActive: number; events: number }> {
  const db = await openDatabase({ kind: "postgres", url });
  const now = Date.now();
  const severities = ["SEV1", "SEV2", "SEV3", "SEV3", "SEV4"];
  const componentSets = [["api"], ["Checkout"], ["web", "api"], ["Search"], []];
  const incidents = [];
  const events = [];
  let publicActive = 0;
  try {
    for (let i = 0; i < incidentCount; i++) {
      const id = randomUUID();
      const active = i >= incidentCount - activeCount;
      const isPrivate = i % 20 === 7 && !active;
      const declaredAt = active
        ? now - (activeCount - (incidentCount - i) + 1) * 20 * 60_000
        : now - 90 * dayMs + 3_600_000 + Math.floor((i / incidentCount) * 89 * dayMs);
      const resolvedAt = active ? null : declaredAt + (20 + ((i * 37) % 340)) * 60_000;
      if (active && !isPrivate) publicActive += 1;
      const at = (minutes: number) => new Date(declaredAt + minutes * 60_000);
      incidents.push({
        id,
        number: i + 1,
        title: `Incident ${i + 1}: elevated error rates on ${["the API", "checkout", "the dashboard", "search"][i % 4]}`,
        severity: severities[i % severities.length]!,
        status: active ? ["investigating", "identified", "monitoring"][i % 3]! : "resolved",
        components: componentSets[i % componentSets.length]!,
        customerImpact: true,
        isPrivate,
        phase: "active",
        declaredBy: "U0ALICE",
        declaredAt: at(0),
        resolvedAt: resolvedAt === null ? null : new Date(resolvedAt),
        lastUpdateAt: at(15),
        resolutionSummary: resolvedAt === null ? null : "A faulty deploy was rolled back.",
      });
      const event = (kind: string, minutes: number, data: Record<string, unknown>) =>
        events.push({ incidentId: id, kind, actorId: "U0ALICE", occurredAt: at(minutes), data });
      event("declared", 0, { severity: "SEV2", title: "…" });
      event("role_assigned", 0, { role: "incident_commander", userId: "U0ALICE" });
      event("paged", 0, { role: "tech_lead", userId: "U0BOB" });
      event("acknowledged", 2, { role: "tech_lead", userId: "U0BOB" });
      event("status_update", 5, {
        from: "investigating",
        to: "investigating",
        message: "We are investigating elevated error rates. Some requests fail.",
        public: true,
      });
      event("status_update", 10, {
        from: "investigating",
        to: "identified",
        message: "Internal: canary skipped on deploy 4.2.",
        public: false,
      });
      event("status_update", 15, {
        from: "identified",
        to: "monitoring",
        message: "A fix has been deployed and we are monitoring the results.",
        public: true,
      });
      if (resolvedAt !== null) {
        events.push({
          incidentId: id,
          kind: "resolved",
          actorId: "U0ALICE",
          occurredAt: new Date(resolvedAt),
          data: { from: "monitoring", to: "resolved", summary: "A faulty deploy was rolled back." },
        });
      }
    }
    await db.prisma.incident.createMany({ data: incidents });
    for (let i = 0; i < events.length; i += 2_000) {
      await db.prisma.timelineEvent.createMany({ data: events.slice(i, i + 2_000) });
    }
  } finally {
    await db.close();
  }
  return { publicActive, events: events.length };
}

export function formatStatusPage(result: StatusPageBenchResult): string {
  const perRequest = (run: LoadRun) =>
    round((run.database.scans - result.idle.database.scans) / run.requests, 5);
  const rows = result.runs.map(
    (run) =>
      `| \`${run.path}\` | ${run.compressed ? "br" : "none"} | ${run.client} | ${run.bytesPerResponse.toLocaleString("en")} | ${run.requests.toLocaleString("en")} | **${run.requestsPerSecond.toLocaleString("en")}** | ${round(run.latencyMs.p50, 1)} | **${round(run.latencyMs.p99, 1)}** | ${round(run.latencyMs.max, 1)} | ${run.non2xx + run.errors + run.timeouts} | ${Math.round(run.botCpu * 100)} % | ${run.database.scans} | ${run.database.transactions} | ${perRequest(run)} |`,
  );
  return [
    `Status page, PostgreSQL, ${result.incidents.toLocaleString("en")} incidents over 90 days (${result.activeIncidents} active, ${result.timelineEvents.toLocaleString("en")} timeline events); ` +
      `${result.runs[0]?.connections} connections, ${result.runs[0]?.durationSeconds} s per run; latency in ms; bot CPU: 100 % = one core:`,
    "",
    "| endpoint | encoding | client | bytes/response | requests | req/s | p50 | p99 | max | errors | bot CPU | table scans | transactions | extra scans per request |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    `Idle for ${result.idle.seconds} s (no requests): ${result.idle.database.scans} table scans, ${result.idle.database.transactions} transactions ` +
      "(the timer tick and the status page's change check). \"Extra scans per request\" is (scans under load − idle scans) / requests.",
  ].join("\n");
}
