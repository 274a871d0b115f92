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
] as const;

export type TimelineKind = (typeof timelineKinds)[number];
