import { Prisma } from "../../generated/prisma/client.ts";
import type { ClaimedTimer, TimerSpec, Transaction } from "./types.ts";

/**
 * Scheduling and cancelling, usable inside any transaction, so a timer is
 * created or moved atomically with the state change that causes it (an
 * update resets its reminder in the same commit that records the update).
 */

/**
 * Creates the timer, or moves the existing one with the same key back to
 * `pending` at the new time. A run of the old schedule that is in flight
 * loses its lease, so its effects are not committed.
 */
export async function scheduleTimer(tx: Transaction, spec: TimerSpec, now: Date): Promise<void> {
  const payload = JSON.stringify(spec.payload ?? {});
  await tx.$executeRaw`
    INSERT INTO timers (kind, key, payload, due_at, state, attempts, created_at, updated_at)
    VALUES (${spec.kind}, ${spec.key}, ${payload}::jsonb, ${spec.dueAt}, 'pending', 0, ${now}, ${now})
    ON CONFLICT (key) DO UPDATE SET
      kind = EXCLUDED.kind,
      payload = EXCLUDED.payload,
      due_at = EXCLUDED.due_at,
      state = 'pending',
      attempts = 0,
      last_error = NULL,
      lease_until = NULL,
      claim_token = NULL,
      finished_at = NULL,
      -- created_at is when the row was last queued from a finished state: the age of a
      -- waiting delivery (/metrics) counts from then, not from the key's first use.
      created_at = CASE WHEN timers.state IN ('pending', 'running') THEN timers.created_at ELSE EXCLUDED.created_at END,
      updated_at = EXCLUDED.updated_at`;
}

/** Creates the timer only if no timer with this key exists (in any state). */
export async function scheduleTimerOnce(
  tx: Transaction,
  spec: TimerSpec,
  now: Date,
): Promise<boolean> {
  const payload = JSON.stringify(spec.payload ?? {});
  const inserted = await tx.$executeRaw`
    INSERT INTO timers (kind, key, payload, due_at, state, attempts, created_at, updated_at)
    VALUES (${spec.kind}, ${spec.key}, ${payload}::jsonb, ${spec.dueAt}, 'pending', 0, ${now}, ${now})
    ON CONFLICT (key) DO NOTHING`;
  return inserted > 0;
}

/**
 * Schedules the timer unless it is already waiting to run: a debounce. A
 * burst of causes costs one run, due at the first cause's `dueAt`, and a
 * cause that arrives while a run is in flight queues one more run (the one
 * in flight may have read the state before it).
 */
export async function scheduleTimerUnlessPending(tx: Transaction, spec: TimerSpec, now: Date): Promise<void> {
  const payload = JSON.stringify(spec.payload ?? {});
  await tx.$executeRaw`
    INSERT INTO timers (kind, key, payload, due_at, state, attempts, created_at, updated_at)
    VALUES (${spec.kind}, ${spec.key}, ${payload}::jsonb, ${spec.dueAt}, 'pending', 0, ${now}, ${now})
    ON CONFLICT (key) DO UPDATE SET
      kind = EXCLUDED.kind, payload = EXCLUDED.payload, due_at = EXCLUDED.due_at, state = 'pending',
      attempts = 0, last_error = NULL, lease_until = NULL, claim_token = NULL, finished_at = NULL,
      created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
    WHERE timers.state <> 'pending'`;
}

/** Cancels a pending or running timer; a running one loses its lease. */
export async function cancelTimer(tx: Transaction, key: string, now: Date): Promise<boolean> {
  const cancelled = await tx.$executeRaw`
    UPDATE timers SET state = 'cancelled', claim_token = NULL, lease_until = NULL,
      finished_at = ${now}, updated_at = ${now}
    WHERE key = ${key} AND state IN ('pending', 'running')`;
  return cancelled > 0;
}

/** Whether the timer with this key is still to run or running (not done, failed or cancelled). */
export async function isTimerActive(db: Transaction, key: string): Promise<boolean> {
  const active = await db.timer.count({ where: { key, state: { in: ["pending", "running"] } } });
  return active > 0;
}

/**
 * Gives the timers of these kinds that failed for good another run, due now
 * with their attempts starting over; returns how many. For work that failed on
 * something a person had to fix (a revoked token, a wrong setting): a restart
 * is when that fix arrives.
 */
export async function reviveFailedTimers(tx: Transaction, kinds: readonly string[], now: Date): Promise<number> {
  if (kinds.length === 0) return 0;
  const revived = await tx.timer.updateMany({
    where: { state: "failed", kind: { in: [...kinds] } },
    data: { state: "pending", attempts: 0, dueAt: now, lastError: null, finishedAt: null, createdAt: now, updatedAt: now },
  });
  return revived.count;
}

/**
 * A SQL condition, true while the run that claimed `timer` still holds its
 * claim and its lease has not run out at `now`. For a handler's own
 * single-statement write (`UPDATE … WHERE … AND ${claimStillHeld(…)}`), so the
 * check and the write are one atomic statement, with no transaction to wait for.
 */
export function claimStillHeld(timer: Pick<ClaimedTimer, "id" | "claimToken">, now: Date): Prisma.Sql {
  return Prisma.sql`EXISTS (SELECT 1 FROM timers WHERE id = ${timer.id} AND claim_token = ${timer.claimToken}
    AND state = 'running' AND lease_until > ${now})`;
}

/**
 * Whether the run that claimed `timer` still holds its claim and its lease
 * has not run out at `now`. The timer's row stays locked until `tx` ends, so
 * no other replica can claim it in between: a handler that checks this
 * before a side effect it records in `tx` cannot do so beside the replica
 * that took its work over.
 */
export async function stillHoldsClaim(
  tx: Transaction,
  timer: Pick<ClaimedTimer, "id" | "claimToken">,
  now: Date,
): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM timers WHERE ${claimStillHeld(timer, now)} AND id = ${timer.id} FOR UPDATE`;
  return rows.length > 0;
}

/**
 * When the pending timer `key` is due, or undefined when none is pending.
 * Locks its row until `tx` ends, so a caller that moves it (a snooze) does
 * not race the engine claiming it or another replica moving it too.
 */
export async function lockPendingDueAt(tx: Transaction, key: string): Promise<Date | undefined> {
  const [row] = await tx.$queryRaw<{ due_at: Date }[]>`
    SELECT due_at FROM timers WHERE key = ${key} AND state = 'pending' FOR UPDATE`;
  return row?.due_at;
}

export async function findTimer(db: Transaction, key: string) {
  return db.timer.findUnique({ where: { key } });
}
