import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { type Database, openDatabase } from "../src/core/db/database.ts";
import { createLogger } from "../src/core/logging.ts";
import { Scheduler } from "../src/core/scheduler/scheduler.ts";
import type { TimerHandler } from "../src/core/scheduler/types.ts";
import { systemClock } from "../src/core/clock.ts";
import { freshPostgresSchema, round, summarize } from "./support.ts";

/**
 * Timer lag (due → executed) and the cost of an idle tick, on PostgreSQL,
 * with the real engine (src/core/scheduler/scheduler.ts) on the real clock and its
 * defaults: 1 s cron tick, batch of 50, 60 s lease.
 *
 * The engine runs in this process: nothing else runs here while it is
 * measured, and being in-process lets the idle-tick part count the SQL it
 * sends. Every scenario starts with 10,000 pending timers, all inserted
 * before the engine starts, so the lag includes finding due rows among them:
 *
 *  - spread: all 10,000 become due evenly over 25 s (400/s);
 *  - light: 1,000 become due over 20 s (50/s), 9,000 stay pending an hour out;
 *  - backlog: all 10,000 are overdue at start (after downtime): drain rate.
 *
 * An unreported warm-up run (2,000 timers over 5 s) comes first.
 *
 * A timer's lag is taken twice: when its handler starts (`context.now −
 * due_at`) and when its effects run inside the commit transaction, just
 * before COMMIT ("executed"). The handler does nothing else, so this is the
 * engine's own overhead and queueing.
 *
 * Idle tick: 10,000 pending timers an hour out and nothing due. The SQL
 * statements are counted on the wire, by wrapping node-postgres'
 * `Client.prototype.query`, which every Prisma query through the pg adapter
 * (and BEGIN/COMMIT) goes through.
 */

const pendingTimers = 10_000;
const kind = "bench.lag";

export interface LagScenario {
  name: string;
  timers: number;
  pendingAtStart: number;
  dueWindowSeconds: number;
  executed: number;
  /** Due → handler started. */
  startLagMs: ReturnType<typeof summarize>;
  /** Due → effects applied in the commit transaction. */
  executedLagMs: ReturnType<typeof summarize>;
  /** From the first due time (or the start, for a backlog) to the last execution. */
  wallSeconds: number;
  throughputPerSecond: number;
  maxLagBySecond: number[];
}

export interface IdleTickResult {
  pendingInFuture: number;
  samples: number;
  tickMs: ReturnType<typeof summarize>;
  statementsPerTick: number;
  statements: string[];
  passiveSeconds: number;
  passiveTicks: number;
  passiveStatements: number;
}

export interface TimerLagResult {
  tickSeconds: number;
  batchSize: number;
  scenarios: LagScenario[];
  idle: IdleTickResult;
}

export async function measureTimerLag(): Promise<TimerLagResult> {
  const schema = await freshPostgresSchema("timerlag");
  const db = await openDatabase({ kind: "postgres", url: schema.url });
  try {
    // Warm-up, not reported: the first runs in a process pay for JIT and for
    // Prisma's query compiler starting up, which a long-running bot has paid
    // long before its timers come due.
    await runScenario(db, {
      name: "warm-up",
      timers: 2_000,
      pendingAtStart: 2_000,
      firstDue: () => Date.now() + 500,
      windowSeconds: 5,
    });
    const scenarios: LagScenario[] = [];
    scenarios.push(
      await runScenario(db, {
        name: "10,000 due evenly over 25 s (400/s)",
        timers: pendingTimers,
        pendingAtStart: pendingTimers,
        firstDue: () => Date.now() + 1_000,
        windowSeconds: 25,
      }),
    );
    scenarios.push(
      await runScenario(db, {
        name: "1,000 due over 20 s (50/s), 9,000 more pending",
        timers: 1_000,
        pendingAtStart: pendingTimers,
        firstDue: () => Date.now() + 1_000,
        windowSeconds: 20,
      }),
    );
    scenarios.push(
      await runScenario(db, {
        name: "backlog: 10,000 overdue at start",
        timers: pendingTimers,
        pendingAtStart: pendingTimers,
        firstDue: () => Date.now() - 60_000,
        windowSeconds: 10,
        backlog: true,
      }),
    );
    const idle = await measureIdleTick(db, { samples: 200, passiveSeconds: 10 });
    return { tickSeconds: 1, batchSize: 50, scenarios, idle };
  } finally {
    await db.close();
    await schema.drop();
  }
}

async function resetTimers(db: Database): Promise<void> {
  await db.prisma.$executeRawUnsafe("TRUNCATE timers");
}

/**
 * Inserts `count` pending timers due evenly from `firstDue` over `windowMs`,
 * then refreshes the planner's statistics, as autovacuum would have on a
 * table that has held timers for a while.
 */
async function insertTimers(
  db: Database,
  prefix: string,
  count: number,
  firstDue: number,
  windowMs: number,
): Promise<void> {
  const stepMs = count > 1 ? windowMs / (count - 1) : 0;
  await db.prisma.$executeRaw`
    INSERT INTO timers (kind, key, payload, due_at, state, attempts, created_at, updated_at)
    SELECT ${kind}, ${prefix} || i, '{}'::jsonb,
           ${new Date(firstDue)}::timestamptz + (i * ${stepMs}::float8 * interval '1 millisecond'),
           'pending', 0, now(), now()
    FROM generate_series(0, ${count - 1}::int) AS i`;
}

function newScheduler(db: Database, handler: TimerHandler): Scheduler {
  return new Scheduler({
    prisma: db.prisma,
    clock: systemClock,
    log: createLogger("warn", process.stderr),
    handlers: { [kind]: handler },
  });
}

async function runScenario(
  db: Database,
  options: {
    name: string;
    timers: number;
    pendingAtStart: number;
    firstDue: () => number;
    windowSeconds: number;
    backlog?: boolean;
  },
): Promise<LagScenario> {
  await resetTimers(db);
  const firstDue = options.firstDue();
  const windowMs = options.windowSeconds * 1000;
  await insertTimers(db, "due-", options.timers, firstDue, windowMs);
  const extra = options.pendingAtStart - options.timers;
  if (extra > 0) await insertTimers(db, "later-", extra, Date.now() + 3_600_000, 600_000);
  await db.prisma.$executeRawUnsafe("ANALYZE timers");

  const startLags: number[] = [];
  const executedLags: number[] = [];
  const executedAt: number[] = [];
  // Worst lag per second of due time: a lag that keeps growing means the
  // engine is slower than the arrival rate, a flat one that it keeps up.
  const maxLagBySecond: number[] = [];
  const scheduler = newScheduler(db, async (timer, context) => {
    startLags.push(context.now.getTime() - timer.dueAt.getTime());
    return {
      kind: "done",
      effects: async () => {
        const now = Date.now();
        executedLags.push(now - timer.dueAt.getTime());
        executedAt.push(now);
        const second = Math.max(0, Math.floor((timer.dueAt.getTime() - firstDue) / 1000));
        maxLagBySecond[second] = Math.max(maxLagBySecond[second] ?? 0, now - timer.dueAt.getTime());
      },
    };
  });
  const started = Date.now();
  scheduler.start();
  const lastDue = firstDue + windowMs;
  const deadline = Math.max(lastDue, started) + 120_000;
  while (executedLags.length < options.timers && Date.now() < deadline) await sleep(50);
  await scheduler.stop();

  const from = options.backlog ? started : firstDue;
  const wallMs = Math.max(...executedAt) - from;
  return {
    name: options.name,
    timers: options.timers,
    pendingAtStart: options.pendingAtStart,
    dueWindowSeconds: options.backlog ? 0 : options.windowSeconds,
    executed: executedLags.length,
    startLagMs: summarize(startLags),
    // For a backlog, lag mostly measures the simulated downtime; time from
    // the engine's start is what says how fast it catches up.
    executedLagMs: summarize(options.backlog ? executedAt.map((at) => at - started) : executedLags),
    wallSeconds: wallMs / 1000,
    throughputPerSecond: (executedLags.length / wallMs) * 1000,
    maxLagBySecond: options.backlog ? [] : Array.from(maxLagBySecond, (lag) => lag ?? 0),
  };
}

/** Records every statement node-postgres sends, until `restore()`. */
function installStatementCounter() {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  const seen: string[] = [];
  prototype.query = function (this: unknown, ...args: unknown[]) {
    const config = args[0] as string | { text?: string } | undefined;
    seen.push(typeof config === "string" ? config : (config?.text ?? "?"));
    return original.apply(this, args);
  };
  return {
    seen,
    restore: () => {
      prototype.query = original;
    },
  };
}

const shortSql = (sql: string) => sql.replace(/\s+/g, " ").trim().slice(0, 48);

async function measureIdleTick(
  db: Database,
  options: { samples: number; passiveSeconds: number },
): Promise<IdleTickResult> {
  await resetTimers(db);
  await insertTimers(db, "idle-", pendingTimers, Date.now() + 3_600_000, 600_000);
  await db.prisma.$executeRawUnsafe("ANALYZE timers");
  const scheduler = newScheduler(db, async () => {
    throw new Error("nothing should be due");
  });
  // Started, as in production: a started engine also looks up the next due
  // time after each tick, which a stopped one skips.
  scheduler.start();
  await scheduler.tick();
  const counter = installStatementCounter();
  try {
    // Cron-driven ticks only: what an idle replica costs the database.
    const claims = () =>
      counter.seen.filter((sql) => sql.includes("FOR UPDATE SKIP LOCKED")).length;
    await sleep(options.passiveSeconds * 1000);
    const passiveTicks = claims();
    const passiveStatements = counter.seen.length;

    // Back-to-back ticks, timed one by one. A cron tick can coincide with
    // one of them; it then shares that run, so the median is unaffected.
    const durations: number[] = [];
    const perTick: number[] = [];
    let firstTick: string[] = [];
    for (let i = 0; i < options.samples; i++) {
      const before = counter.seen.length;
      const t0 = performance.now();
      await scheduler.tick();
      durations.push(performance.now() - t0);
      perTick.push(counter.seen.length - before);
      if (i === 0) firstTick = counter.seen.slice(before).map(shortSql);
    }
    const statementsPerTick = summarize(perTick).p50;
    return {
      pendingInFuture: pendingTimers,
      samples: options.samples,
      tickMs: summarize(durations),
      statementsPerTick,
      statements: firstTick,
      passiveSeconds: options.passiveSeconds,
      passiveTicks,
      passiveStatements,
    };
  } finally {
    counter.restore();
    await scheduler.stop();
  }
}

export function formatTimerLag(result: TimerLagResult): string {
  const ms = (value: number) => round(value, 0).toLocaleString("en-US");
  const rows = result.scenarios.map((s) => {
    const lag = s.executedLagMs;
    const lagCells =
      s.dueWindowSeconds === 0
        ? `(from start) ${ms(lag.p50)} | ${ms(lag.p90)} | ${ms(lag.p99)} | ${ms(lag.max)}`
        : `${ms(lag.p50)} | ${ms(lag.p90)} | ${ms(lag.p99)} | ${ms(lag.max)}`;
    const executed = s.executed === s.timers ? `${s.executed}` : `${s.executed} of ${s.timers}`;
    return `| ${s.name} | ${executed} | ${lagCells} | ${round(s.throughputPerSecond, 0)} |`;
  });
  const idle = result.idle;
  return [
    `Timer lag, due → executed (effects committed), ms. Real engine in-process, real clock, ${result.tickSeconds} s tick, batch ${result.batchSize}; 10,000 timers pending at the start of each run:`,
    "",
    "| scenario | executed | p50 | p90 | p99 | max | timers/s |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    `Idle tick (nothing due, ${idle.pendingInFuture.toLocaleString("en-US")} pending an hour out):`,
    "",
    "| figure | value |",
    "|---|---|",
    `| SQL statements per tick | ${idle.statementsPerTick} (${idle.statements.map((sql) => `\`${sql}…\``).join(", ")}) |`,
    `| tick duration over ${idle.samples} ticks, p50 / p90 / max (ms) | ${round(idle.tickMs.p50, 2)} / ${round(idle.tickMs.p90, 2)} / ${round(idle.tickMs.max, 2)} |`,
    `| statements in ${idle.passiveSeconds} s of cron-driven idling | ${idle.passiveStatements} (${idle.passiveTicks} ticks) |`,
  ].join("\n");
}
