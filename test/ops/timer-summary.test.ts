import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import type { Database } from "../../src/core/db/database.ts";
import { createLogger } from "../../src/core/logging.ts";
import { Scheduler } from "../../src/core/scheduler/scheduler.ts";
import { scheduleTimer } from "../../src/core/scheduler/timers.ts";
import { openScratchDatabase } from "../support/database.ts";

/**
 * The scheduler's summary of the timers table for /metrics: counts by kind and
 * state, the oldest due time, and when still-waiting rows were queued (the
 * outbox age), with kinds nobody handles folded into "other".
 */

let db: Database;
let dispose: () => Promise<void>;
const start = new Date("2026-11-30T09:00:00Z");
const clock = new ManualClock(start);
let failNext = 0;

beforeAll(async () => {
  ({ db, dispose } = await openScratchDatabase("timer-summary"));
});

afterAll(async () => {
  await dispose?.();
});

const schedule = (kind: string, key: string, dueAt: Date) =>
  db.prisma.$transaction((tx) => scheduleTimer(tx, { kind, key, dueAt }, clock.now()));

describe("Scheduler.summarize", () => {
  it("counts pending, due, running, failed and retrying rows by kind, folding unknown kinds into other", async () => {
    const observed: { kind: string; lag: number; outcome: string }[] = [];
    const scheduler = new Scheduler({
      prisma: db.prisma,
      clock,
      log: createLogger("silent"),
      maxAttempts: 2,
      handlers: {
        "sum.deliver": async () => {
          if (failNext > 0) {
            failNext -= 1;
            throw new Error("Slack answered 500");
          }
          return { kind: "done" };
        },
        "sum.reminder": async () => ({ kind: "done" }),
      },
      metrics: { observeTimerRun: (kind, lag, outcome) => observed.push({ kind, lag, outcome }) },
    });

    // One delivery fails (retrying in 5 s); another is marked failed for good.
    failNext = 1;
    await schedule("sum.deliver", "deliver:a", clock.now());
    await scheduler.tick();
    await schedule("sum.deliver", "deliver:gone", new Date(clock.now().getTime() + 3_600_000));
    await db.prisma.timer.update({ where: { key: "deliver:gone" }, data: { state: "failed" } });
    clock.advance(30_000);
    await schedule("sum.reminder", "reminder:later", new Date(clock.now().getTime() + 3_600_000));
    await schedule("sum.reminder", "reminder:due", new Date(clock.now().getTime() - 20_000));
    await schedule("legacy.kind", "legacy:1", clock.now());

    const summary = await scheduler.summarize(clock.now());
    const byKind = Object.fromEntries(summary.map((row) => [row.kind, row]));
    expect(Object.keys(byKind).sort()).toEqual(["other", "sum.deliver", "sum.reminder"]);
    expect(byKind["sum.deliver"]).toMatchObject({ pending: 1, due: 1, running: 0, failed: 1, retrying: 1 });
    // Its retry fell due 25 s ago (nobody ticked since).
    expect(byKind["sum.deliver"]!.oldestDueAt).toEqual(new Date(start.getTime() + 5_000));
    // Queued 30 s ago, retried since: the age counts from the queueing, not the retry.
    expect(byKind["sum.deliver"]!.oldestQueuedAt).toEqual(start);
    expect(byKind["sum.reminder"]).toMatchObject({ pending: 2, due: 1, retrying: 0 });
    expect(byKind["sum.reminder"]!.oldestDueAt).toEqual(new Date(clock.now().getTime() - 20_000));
    expect(byKind.other).toMatchObject({ pending: 1, due: 1 });

    // The first run was observed with its lag (due at once, run at once) as a retry.
    expect(observed).toEqual([{ kind: "sum.deliver", lag: 0, outcome: "retried" }]);
  });

  it("a key queued again after it finished counts its age from the new queueing; moving a waiting one keeps it", async () => {
    const scheduler = new Scheduler({
      prisma: db.prisma,
      clock,
      log: createLogger("silent"),
      handlers: { "age.push": async () => ({ kind: "done" }) },
    });
    const queuedAt = clock.now();
    await schedule("age.push", "push:1", queuedAt);
    await scheduler.tick();
    clock.advance(3_600_000);
    // A key finished an hour ago, queued again: a fresh wait.
    await schedule("age.push", "push:1", new Date(clock.now().getTime() + 60_000));
    let row = (await scheduler.summarize(clock.now())).find((summary) => summary.kind === "age.push")!;
    expect(row.oldestQueuedAt).toEqual(clock.now());
    const requeuedAt = clock.now();
    // Moved while still waiting: it has been waiting since the requeue.
    clock.advance(10_000);
    await schedule("age.push", "push:1", clock.now());
    row = (await scheduler.summarize(clock.now())).find((summary) => summary.kind === "age.push")!;
    expect(row.oldestQueuedAt).toEqual(requeuedAt);
    expect(row).toMatchObject({ pending: 1, due: 1 });
    expect(queuedAt.getTime()).toBeLessThan(requeuedAt.getTime());
  });
});
