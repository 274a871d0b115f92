import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import type { Database } from "../../src/core/db/database.ts";
import { createLogger } from "../../src/core/logging.ts";
import { Scheduler } from "../../src/core/scheduler/scheduler.ts";
import {
  isTimerActive,
  reviveFailedTimers,
  scheduleTimer,
  stillHoldsClaim,
} from "../../src/core/scheduler/timers.ts";
import type { ClaimedTimer } from "../../src/core/scheduler/types.ts";
import { openScratchDatabase } from "../support/database.ts";

/**
 * The scheduler's public API for capabilities: whether a timer is still to
 * run, reviving failed work, and whether a run still holds its claim.
 */

let db: Database;
let dispose: () => Promise<void>;
const clock = new ManualClock(new Date("2026-11-30T09:00:00Z"));
const log = createLogger("silent");

beforeAll(async () => {
  ({ db, dispose } = await openScratchDatabase("timer-api"));
});

afterAll(async () => {
  await dispose?.();
});

const schedule = (kind: string, key: string) =>
  db.prisma.$transaction((tx) => scheduleTimer(tx, { kind, key, dueAt: clock.now() }, clock.now()));
const timer = (key: string) => db.prisma.timer.findUniqueOrThrow({ where: { key } });

describe("timer API", () => {
  it("isTimerActive: pending or running, not finished", async () => {
    await schedule("api.active", "api:active");
    expect(await isTimerActive(db.prisma, "api:active")).toBe(true);
    expect(await isTimerActive(db.prisma, "api:absent")).toBe(false);
    await db.prisma.timer.update({ where: { key: "api:active" }, data: { state: "done" } });
    expect(await isTimerActive(db.prisma, "api:active")).toBe(false);
  });

  it("reviveFailedTimers: only failed timers of the kinds named, due now, attempts from zero", async () => {
    await schedule("api.revive", "api:revive:1");
    await schedule("api.other", "api:revive:2");
    const failed = { state: "failed", attempts: 10, lastError: "bad token", finishedAt: clock.now() };
    await db.prisma.timer.updateMany({ where: { key: { in: ["api:revive:1", "api:revive:2"] } }, data: failed });
    clock.advance(60_000);
    const now = clock.now();
    const revived = await db.prisma.$transaction((tx) => reviveFailedTimers(tx, ["api.revive"], now));
    expect(revived).toBe(1);
    expect(await timer("api:revive:1")).toMatchObject({ state: "pending", attempts: 0, dueAt: now, lastError: null, finishedAt: null });
    expect(await timer("api:revive:2")).toMatchObject({ state: "failed", attempts: 10 });
    expect(await db.prisma.$transaction((tx) => reviveFailedTimers(tx, [], now))).toBe(0);
  });

  it("stillHoldsClaim: true for the running claim, false once its lease ran out or it was moved", async () => {
    await schedule("api.claim", "api:claim");
    const seen: Array<{ during: boolean; afterLease: boolean; stranger: boolean }> = [];
    let claimed: ClaimedTimer | undefined;
    const scheduler = new Scheduler({
      prisma: db.prisma,
      clock,
      log,
      leaseSeconds: 60,
      handlers: {
        "api.claim": async (run) => {
          claimed = run;
          const at = clock.now();
          seen.push({
            during: await db.prisma.$transaction((tx) => stillHoldsClaim(tx, run, at)),
            afterLease: await db.prisma.$transaction((tx) => stillHoldsClaim(tx, run, new Date(at.getTime() + 61_000))),
            stranger: await db.prisma.$transaction((tx) => stillHoldsClaim(tx, { ...run, claimToken: "someone-else" }, at)),
          });
          return { kind: "done" };
        },
      },
    });
    await scheduler.tick();
    expect(seen).toEqual([{ during: true, afterLease: false, stranger: false }]);
    // Finished: the claim is gone.
    expect(await db.prisma.$transaction((tx) => stillHoldsClaim(tx, claimed!, clock.now()))).toBe(false);
  });
});
