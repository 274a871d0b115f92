import type { Prisma } from "../../generated/prisma/client.ts";
import type { TimerSpec, Transaction } from "./types.ts";

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

/** Cancels a pending or running timer; a running one loses its lease. */
export async function cancelTimer(tx: Transaction, key: string, now: Date): Promise<boolean> {
  const cancelled = await tx.$executeRaw`
    UPDATE timers SET state = 'cancelled', claim_token = NULL, lease_until = NULL,
      finished_at = ${now}, updated_at = ${now}
    WHERE key = ${key} AND state IN ('pending', 'running')`;
  return cancelled > 0;
}

export async function findTimer(db: Transaction, key: string) {
  return db.timer.findUnique({ where: { key } });
}

export type TimerRow = Prisma.TimerGetPayload<Record<string, never>>;
