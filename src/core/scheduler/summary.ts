import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { TimerKindSummary } from "../metrics/metrics.ts";

/**
 * The timers table counted for /metrics, in one statement (the table is the
 * scheduler's, so this query lives here). Kinds nobody handles in this
 * process are counted together as "other", which keeps the label bounded.
 * It runs at most once per metrics window (core/metrics/cached-summary.ts),
 * and reads through the (state, due_at) index for the states that matter.
 */
export async function summarizeTimers(
  prisma: PrismaClient,
  now: Date,
  knownKinds: ReadonlySet<string>,
): Promise<TimerKindSummary[]> {
  const rows = await prisma.$queryRaw<
    {
      kind: string;
      pending: bigint;
      due: bigint;
      running: bigint;
      failed: bigint;
      retrying: bigint;
      oldest_due_at: Date | null;
      oldest_queued_at: Date | null;
    }[]
  >`
    SELECT kind,
      count(*) FILTER (WHERE state = 'pending') AS pending,
      count(*) FILTER (WHERE state = 'pending' AND due_at <= ${now}) AS due,
      count(*) FILTER (WHERE state = 'running') AS running,
      count(*) FILTER (WHERE state = 'failed') AS failed,
      count(*) FILTER (WHERE state = 'pending' AND last_error IS NOT NULL) AS retrying,
      min(due_at) FILTER (WHERE state = 'pending' AND due_at <= ${now}) AS oldest_due_at,
      min(created_at) FILTER (WHERE state IN ('pending', 'running')) AS oldest_queued_at
    FROM timers
    WHERE state IN ('pending', 'running', 'failed')
    GROUP BY kind`;
  const byKind = new Map<string, TimerKindSummary>();
  for (const kind of knownKinds) byKind.set(kind, emptySummary(kind));
  for (const row of rows) {
    const kind = knownKinds.has(row.kind) ? row.kind : "other";
    const summary = byKind.get(kind) ?? emptySummary(kind);
    summary.pending += Number(row.pending);
    summary.due += Number(row.due);
    summary.running += Number(row.running);
    summary.failed += Number(row.failed);
    summary.retrying += Number(row.retrying);
    summary.oldestDueAt = earliest(summary.oldestDueAt, row.oldest_due_at);
    summary.oldestQueuedAt = earliest(summary.oldestQueuedAt, row.oldest_queued_at);
    byKind.set(kind, summary);
  }
  return [...byKind.values()];
}

function emptySummary(kind: string): TimerKindSummary {
  return { kind, pending: 0, due: 0, running: 0, failed: 0, retrying: 0, oldestDueAt: null, oldestQueuedAt: null };
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() <= b.getTime() ? a : b;
}
