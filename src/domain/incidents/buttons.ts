/**
 * Buttons one capability puts on another's message. The id is the whole
 * contract between them: the capability that owns the button registers its
 * handler; the other only shows it, and imports nothing else of the owner.
 */
export const sharedButtonIds = {
  /** Owned by incidents: opens the "Post update" form (shown on update reminders). */
  postUpdate: "incident_post_update",
  /** Owned by reminders: snoozes the update reminder (shown on update reminders). */
  snoozeReminder: "incident_snooze_reminder",
  /** Owned by notices: drafts the customer notice (shown on the incident's intro). */
  draftNotice: "notice_draft",
} as const;
