import { setTimeout as sleep } from "node:timers/promises";
import { openDatabase } from "../../src/core/db/database.ts";
import { createLogger } from "../../src/core/logging.ts";
import { Scheduler } from "../../src/core/scheduler/scheduler.ts";
import { systemClock } from "../../src/core/clock.ts";

/**
 * One scheduler replica as its own process, for test/scheduler/replicas.test.ts:
 * the real engine on the real clock, with one handler kind, `test.count`, whose
 * only effect is appending a row to `replica_effects`. The table has no
 * uniqueness on purpose, so a timer executed twice shows up as two rows.
 *
 * Env: DATABASE_URL (with `?schema=`), REPLICA_NAME, LEASE_SECONDS,
 * HANDLER_DELAY_MS (upper bound of a random delay, default 20).
 * Prints `{"msg":"replica ready"}` on stdout once it ticks, and
 * `{"msg":"claimed","token":…}` the first time it runs a timer of each batch
 * it claims, so the test can tell which `running` rows are this replica's.
 * On SIGTERM stops the scheduler, closes the database and exits 0.
 */

const url = required("DATABASE_URL");
const replica = required("REPLICA_NAME");
const leaseSeconds = Number(process.env.LEASE_SECONDS ?? "2");
const maxDelayMs = Number(process.env.HANDLER_DELAY_MS ?? "20");

// Logs go to stderr so that stdout carries only the lines the test parses.
const log = createLogger(process.env.LOG_LEVEL ?? "info", process.stderr);
const db = await openDatabase({ kind: "postgres", url });
const claimTokens = new Set<string>();

const scheduler = new Scheduler({
  prisma: db.prisma,
  clock: systemClock,
  log: log.child({ replica }),
  tickSeconds: 1,
  leaseSeconds,
  batchSize: 20,
  handlers: {
    "test.count": async (timer) => {
      if (!claimTokens.has(timer.claimToken)) {
        claimTokens.add(timer.claimToken);
        print({ msg: "claimed", replica, token: timer.claimToken });
      }
      // A random pause widens the window in which a run is claimed but not yet
      // committed, which is where a kill or a lost lease could duplicate work.
      if (maxDelayMs > 0) await sleep(Math.random() * maxDelayMs);
      return {
        kind: "done",
        effects: async (tx) => {
          await tx.$executeRaw`
            INSERT INTO replica_effects (timer_key, replica) VALUES (${timer.key}, ${replica})`;
        },
      };
    },
  },
});

scheduler.start();
print({ msg: "replica ready", replica });

process.once("SIGTERM", () => {
  void (async () => {
    await scheduler.stop();
    await db.close();
    process.exit(0);
  })().catch((error: unknown) => {
    log.error({ err: error }, "replica shutdown failed");
    process.exit(1);
  });
});

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return value;
}
