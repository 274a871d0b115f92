import type { PrismaClient } from "../src/generated/prisma/client.ts";
import type { BackgroundTasks } from "../src/core/background-tasks.ts";
import type { ManualClock } from "../src/core/clock.ts";
import type { Scheduler } from "../src/core/scheduler/scheduler.ts";

/**
 * For a bot on a manual clock (tests, the scripted demo): waits for in-flight
 * work, runs every timer that is due, and moves the clock over short
 * deferrals (Slack pacing, Retry-After, backoff) up to `withinMs` at a time,
 * until nothing is due within that window.
 */
export async function runUntilIdle(
  app: { scheduler: Scheduler; tasks: BackgroundTasks; db: { prisma: PrismaClient } },
  clock: ManualClock,
  withinMs = 5_000,
): Promise<void> {
  for (let round = 0; round < 200; round++) {
    const { unfinished } = await app.tasks.drain(15_000);
    if (unfinished > 0) throw new Error(`${unfinished} background tasks still running`);
    await app.scheduler.tick();
    if (app.tasks.size > 0) continue;
    const next = await app.db.prisma.timer.findFirst({
      where: { state: "pending" },
      orderBy: { dueAt: "asc" },
      select: { dueAt: true },
    });
    if (!next || next.dueAt.getTime() - clock.now().getTime() > withinMs) return;
    clock.set(next.dueAt);
  }
  throw new Error("timers did not settle after 200 rounds");
}
