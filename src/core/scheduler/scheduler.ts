import { randomUUID } from "node:crypto";
import cron, { type ScheduledTask } from "node-cron";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Logger } from "../logging.ts";
import type { Clock } from "../clock.ts";
import type { TimerKindSummary } from "../metrics/metrics.ts";
import { summarizeTimers } from "./summary.ts";
import type { ClaimedTimer, TimerHandler, TimerOutcome, Transaction } from "./types.ts";

/**
 * The durable timer engine. Every timer is a row in `timers`. A tick claims
 * due rows with `FOR UPDATE SKIP LOCKED` and a lease, runs their handlers
 * outside any transaction, then commits each outcome together with its
 * database effects, but only if the lease is still held. Therefore:
 *
 *  - any number of replicas can tick; a row is claimed by one at a time;
 *  - a process killed mid-run loses nothing: its lease expires and another
 *    tick claims the row again (handlers must tolerate a re-run, which the
 *    effects-in-the-commit rule and the Slack outbox make safe);
 *  - after downtime a due timer fires once: one row, one run, and repeating
 *    timers reschedule from "now", not from every missed period;
 *  - a failing handler is retried with exponential backoff; after
 *    `maxAttempts` the row is `failed` and `onFailure` raises an alert.
 *
 * node-cron drives the regular tick; after each tick the engine also sleeps
 * exactly until the next due timer if that comes sooner, which keeps the
 * lag from due to executed well under the tick interval. This module is the
 * only one that imports node-cron.
 */

export interface SchedulerOptions {
  prisma: PrismaClient;
  clock: Clock;
  log: Logger;
  handlers: Record<string, TimerHandler>;
  tickSeconds?: number;
  leaseSeconds?: number;
  maxAttempts?: number;
  batchSize?: number;
  /**
   * Handlers run at once, each ending in its own transaction: kept below the
   * connection pool's size so commits never queue for a connection.
   */
  concurrency?: number;
  /** Called once when a timer is marked failed (after its last attempt). */
  onFailure?: (timer: ClaimedTimer, error: string, tx: Transaction, now: Date) => Promise<void>;
  /** Told of every run: its lag (due time → start) and its outcome (core/metrics). */
  metrics?: { observeTimerRun(kind: string, lagSeconds: number, outcome: Exclude<keyof TickReport, "claimed">): void };
}

export interface TickReport {
  claimed: number;
  done: number;
  rescheduled: number;
  deferred: number;
  retried: number;
  failed: number;
  leaseLost: number;
}

const backoffBaseMs = 5_000;
const backoffMaxMs = 10 * 60_000;

export function retryDelayMs(attempt: number): number {
  return Math.min(backoffBaseMs * 2 ** Math.max(0, attempt - 1), backoffMaxMs);
}

class LeaseLost extends Error {}

export class Scheduler {
  readonly tickSeconds: number;
  readonly leaseSeconds: number;
  readonly maxAttempts: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private task: ScheduledTask | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private running: Promise<TickReport> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly options: SchedulerOptions) {
    this.tickSeconds = options.tickSeconds ?? 1;
    this.leaseSeconds = options.leaseSeconds ?? 60;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.batchSize = options.batchSize ?? 50;
    this.concurrency = options.concurrency ?? 8;
  }

  /** For handlers whose dependencies need the scheduler itself. */
  registerHandler(kind: string, handler: TimerHandler): void {
    this.options.handlers[kind] = handler;
  }

  /** The timers table counted by kind and state, for /metrics (cached there, never per scrape). */
  summarize(now: Date): Promise<TimerKindSummary[]> {
    return summarizeTimers(this.options.prisma, now, new Set(Object.keys(this.options.handlers)));
  }

  /** Starts ticking on wall-clock time. Tests leave it stopped and call tick(). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const every = Math.max(1, Math.round(this.tickSeconds));
    this.task = cron.schedule(`*/${every} * * * * *`, () => this.wake(), { noOverlap: true });
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.task?.stop();
    await this.task?.destroy();
    this.task = undefined;
    clearTimeout(this.wakeTimer);
    await this.running?.catch(() => undefined);
  }

  /** Asks for a tick soon, e.g. right after scheduling something due now. */
  wake(): void {
    if (this.stopped) return;
    void this.tick().catch((error: unknown) =>
      this.options.log.error({ err: error }, "timer tick failed"),
    );
  }

  /**
   * Claims and runs everything due now, batch after batch. Concurrent calls
   * in one process share the run in progress and trigger one more after it.
   */
  tick(): Promise<TickReport> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.runUntilIdle().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
    return this.running;
  }

  private async runUntilIdle(): Promise<TickReport> {
    const report: TickReport = {
      claimed: 0,
      done: 0,
      rescheduled: 0,
      deferred: 0,
      retried: 0,
      failed: 0,
      leaseLost: 0,
    };
    for (;;) {
      const claimed = await this.claim();
      report.claimed += claimed.length;
      if (claimed.length === 0) break;
      await runConcurrently(claimed, this.concurrency, (timer) => this.run(timer, report));
      if (claimed.length < this.batchSize) break;
    }
    await this.sleepUntilNextDue();
    return report;
  }

  private async claim(): Promise<ClaimedTimer[]> {
    const now = this.options.clock.now();
    const leaseUntil = new Date(now.getTime() + this.leaseSeconds * 1000);
    const token = randomUUID();
    const rows = await this.options.prisma.$queryRaw<
      {
        id: bigint;
        kind: string;
        key: string;
        payload: Record<string, unknown>;
        due_at: Date;
        attempts: number;
      }[]
    >`
      WITH due AS (
        SELECT id FROM timers
        WHERE (state = 'pending' AND due_at <= ${now})
           OR (state = 'running' AND lease_until <= ${now})
        ORDER BY due_at
        LIMIT ${this.batchSize}
        FOR UPDATE SKIP LOCKED
      )
      UPDATE timers t
      SET state = 'running', attempts = t.attempts + 1, lease_until = ${leaseUntil},
          claim_token = ${token}, updated_at = ${now}
      FROM due WHERE t.id = due.id
      RETURNING t.id, t.kind, t.key, t.payload, t.due_at, t.attempts`;
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      key: row.key,
      payload: row.payload ?? {},
      dueAt: row.due_at,
      attempts: row.attempts,
      claimToken: token,
    }));
  }

  private async run(timer: ClaimedTimer, report: TickReport): Promise<void> {
    const startedAt = this.options.clock.now();
    const outcome = await this.runOnce(timer);
    report[outcome] += 1;
    this.options.metrics?.observeTimerRun(
      this.options.handlers[timer.kind] ? timer.kind : "other",
      (startedAt.getTime() - timer.dueAt.getTime()) / 1000,
      outcome,
    );
  }

  private async runOnce(timer: ClaimedTimer): Promise<Exclude<keyof TickReport, "claimed">> {
    const handler = this.options.handlers[timer.kind];
    let outcome: TimerOutcome;
    try {
      if (!handler) throw new Error(`no handler for timer kind "${timer.kind}"`);
      outcome = await handler(timer, { now: this.options.clock.now() });
    } catch (error) {
      return this.recordFailure(timer, error);
    }
    try {
      await this.commit(timer, outcome);
      if (outcome.kind !== "defer") outcome.afterCommit?.();
      if (outcome.kind === "done") return "done";
      if (outcome.kind === "reschedule") return "rescheduled";
      return "deferred";
    } catch (error) {
      if (error instanceof LeaseLost) {
        // Cancelled, rescheduled or reclaimed while we ran: that newer state wins.
        this.options.log.info({ timer: timer.key }, "timer lease lost; outcome discarded");
        return "leaseLost";
      }
      return this.recordFailure(timer, error);
    }
  }

  private async commit(timer: ClaimedTimer, outcome: TimerOutcome): Promise<void> {
    const now = this.options.clock.now();
    await this.options.prisma.$transaction(async (tx) => {
      let updated: number;
      switch (outcome.kind) {
        case "done":
          updated = await tx.$executeRaw`
            UPDATE timers SET state = 'done', lease_until = NULL, claim_token = NULL,
              last_error = NULL, finished_at = ${now}, updated_at = ${now}
            WHERE id = ${timer.id} AND claim_token = ${timer.claimToken} AND state = 'running'`;
          break;
        case "reschedule": {
          const payload = outcome.payload ? JSON.stringify(outcome.payload) : null;
          updated = await tx.$executeRaw`
            UPDATE timers SET state = 'pending', due_at = ${outcome.at}, attempts = 0,
              payload = COALESCE(${payload}::jsonb, payload),
              lease_until = NULL, claim_token = NULL, last_error = NULL, updated_at = ${now}
            WHERE id = ${timer.id} AND claim_token = ${timer.claimToken} AND state = 'running'`;
          break;
        }
        case "defer":
          updated = await tx.$executeRaw`
            UPDATE timers SET state = 'pending', due_at = ${outcome.at}, attempts = attempts - 1,
              lease_until = NULL, claim_token = NULL, updated_at = ${now}
            WHERE id = ${timer.id} AND claim_token = ${timer.claimToken} AND state = 'running'`;
          break;
      }
      if (updated === 0) throw new LeaseLost();
      if (outcome.kind !== "defer") await outcome.effects?.(tx);
    });
  }

  private async recordFailure(
    timer: ClaimedTimer,
    error: unknown,
  ): Promise<"failed" | "retried" | "leaseLost"> {
    const message = error instanceof Error ? error.message : String(error);
    const now = this.options.clock.now();
    const final = timer.attempts >= this.maxAttempts;
    const retryAt = new Date(now.getTime() + retryDelayMs(timer.attempts));
    try {
      await this.options.prisma.$transaction(async (tx) => {
        const updated = await tx.$executeRaw`
          UPDATE timers SET state = ${final ? "failed" : "pending"}, due_at = ${final ? timer.dueAt : retryAt},
            last_error = ${message.slice(0, 2000)}, lease_until = NULL, claim_token = NULL,
            finished_at = ${final ? now : null}, updated_at = ${now}
          WHERE id = ${timer.id} AND claim_token = ${timer.claimToken} AND state = 'running'`;
        if (updated === 0) throw new LeaseLost();
        if (final) await this.options.onFailure?.(timer, message, tx, now);
      });
    } catch (failure) {
      if (failure instanceof LeaseLost) return "leaseLost";
      throw failure;
    }
    if (final) {
      this.options.log.error(
        { timer: timer.key, kind: timer.kind, attempts: timer.attempts, reason: message },
        "timer failed for good",
      );
      return "failed";
    } else {
      this.options.log.warn(
        { timer: timer.key, kind: timer.kind, attempt: timer.attempts, reason: message },
        "timer failed; will retry",
      );
      return "retried";
    }
  }

  /** Between cron ticks, wakes exactly when the next timer is due. */
  private async sleepUntilNextDue(): Promise<void> {
    if (this.stopped) return;
    const rows = await this.options.prisma.$queryRaw<{ next: Date | null }[]>`
      SELECT min(due_at) AS next FROM timers WHERE state = 'pending'`;
    const next = rows[0]?.next;
    clearTimeout(this.wakeTimer);
    if (!next || this.stopped) return;
    const delay = next.getTime() - this.options.clock.now().getTime();
    if (delay < this.tickSeconds * 1000) {
      this.wakeTimer = setTimeout(() => this.wake(), Math.max(0, delay));
    }
  }
}

async function runConcurrently<T>(
  items: T[],
  limit: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
