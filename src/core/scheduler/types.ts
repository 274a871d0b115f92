import type { Prisma } from "../../generated/prisma/client.ts";

/** A Prisma transaction client: what timer effects and schedules run in. */
export type Transaction = Prisma.TransactionClient;

export interface ClaimedTimer {
  id: bigint;
  kind: string;
  key: string;
  payload: Record<string, unknown>;
  dueAt: Date;
  /** Including this one. More than 1 means an earlier run failed or crashed. */
  attempts: number;
  claimToken: string;
}

/**
 * What a handler decides. Side effects inside the database belong in
 * `effects`: they commit in the same transaction that marks the timer done,
 * and only if this replica still holds the timer's lease, so they happen
 * exactly once. Effects outside the database (Slack) must be made idempotent
 * by the handler itself (see src/adapters/slack/outbox.ts).
 */
export type TimerOutcome =
  | { kind: "done"; effects?: (tx: Transaction) => Promise<void>; afterCommit?: () => void }
  /** Run again at `at` (a repeating reminder): attempts start over. */
  | {
      kind: "reschedule";
      at: Date;
      payload?: Record<string, unknown>;
      effects?: (tx: Transaction) => Promise<void>;
      /** Runs once the effects are committed (refreshing views that read them). */
      afterCommit?: () => void;
    }
  /** Not a failure: try again at `at` without using up an attempt (rate limits). */
  | { kind: "defer"; at: Date };

export interface TimerContext {
  now: Date;
}

export type TimerHandler = (timer: ClaimedTimer, context: TimerContext) => Promise<TimerOutcome>;

export interface TimerSpec {
  kind: string;
  /** One row per key: scheduling an existing key moves that timer. */
  key: string;
  dueAt: Date;
  payload?: Record<string, unknown>;
}
