import type { Prisma, TimelineEvent } from "../../generated/prisma/client.ts";
import type { Transaction } from "../../core/scheduler/types.ts";

/**
 * What can appear on an incident's timeline. The table is append-only: events
 * are never edited or deleted (except with their incident, when a declaration
 * is rolled back before anything was announced).
 */
export const timelineKinds = [
  "declared",
  "channel_created",
  "announced",
  "role_assigned",
  "paged",
  "acknowledged",
  "escalated",
  "severity_changed",
  "status_update",
  "message_pinned",
  "notice_drafted",
  "notice_approved",
  "action_item_added",
  "action_item_done",
  "action_item_reopened",
  "checklist_item_completed",
  "checklist_item_reopened",
  "checklist_item_overdue",
  "resolved",
  "reopened",
  "alert_attached",
  "alert_firing",
  "alert_resolved",
  "pager_triggered",
  "pager_acknowledged",
  "pager_resolved",
] as const;

export type TimelineKind = (typeof timelineKinds)[number];

export interface TimelineEntry {
  incidentId: string;
  kind: TimelineKind;
  /** Who did it; null for the bot itself (an escalation, a channel it created). */
  actorId: string | null;
  at: Date;
  data?: Record<string, unknown>;
}

/**
 * The one way onto the timeline, inside the caller's transaction (the change
 * and its entry commit together).
 */
export async function appendTimeline(
  tx: Pick<Transaction, "timelineEvent">,
  entry: TimelineEntry,
): Promise<TimelineEvent> {
  return tx.timelineEvent.create({
    data: {
      incidentId: entry.incidentId,
      kind: entry.kind,
      actorId: entry.actorId,
      occurredAt: entry.at,
      data: (entry.data ?? {}) as Prisma.InputJsonObject,
    },
  });
}
