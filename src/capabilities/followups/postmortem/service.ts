import { DateTime } from "luxon";
import type { Postmortem } from "../../../generated/prisma/client.ts";
import type { IncidentWithRoles } from "../../../domain/incidents/repository.ts";
import { roleLabel } from "../../../core/config/playbook.ts";
import { scheduleTimer } from "../../../core/scheduler/timers.ts";
import type { TimerHandler, Transaction } from "../../../core/scheduler/types.ts";
import { doneWithPost, enqueueSlackPost } from "../../../adapters/slack/outbox.ts";
import type { FollowUpCapability } from "../capability.ts";
import { queueGitHubIssue } from "../github-outbox.ts";
import { escapeMarkdown, type PostmortemFacts, renderPostmortemMarkdown } from "./markdown.ts";
import { githubExportFor, privateSkipReason } from "../private-incidents.ts";
import { postmortemFilename, renderOwnerPrompt, renderReviewReminder } from "./views.ts";

/**
 * The postmortem: its owner and review deadline (set when the incident
 * resolves), its Markdown draft, and its GitHub issue through the outbox.
 * One row per incident in `postmortems`.
 */

export const reviewReminderKind = "postmortem.review_reminder";

export function reviewReminderKey(incidentId: string): string {
  return `postmortem-review:${incidentId}`;
}

/** The review deadline: whole days in the team's zone, so a DST change does not shift it by an hour. */
export function reviewDeadline(resolvedAt: Date, days: number, timezone: string): Date {
  return DateTime.fromJSDate(resolvedAt, { zone: timezone }).plus({ days }).toJSDate();
}

/**
 * Inside the resolve transaction: records the review deadline, asks the
 * channel for an owner and sets the review reminder. Resolving again after a
 * reopen moves the deadline and the reminder (same timer key) and keeps the
 * owner.
 */
export async function prepareForReview(
  capability: FollowUpCapability,
  tx: Transaction,
  incident: IncidentWithRoles,
  now: Date,
): Promise<void> {
  const { postmortemReviewDays: reviewDays, timezone } = capability.playbook.followUps;
  const reviewDueAt = reviewDeadline(now, reviewDays, timezone);
  const postmortem = await tx.postmortem.upsert({
    where: { incidentId: incident.id },
    create: { incidentId: incident.id, reviewDueAt, createdAt: now },
    update: { reviewDueAt },
  });
  await scheduleTimer(
    tx,
    {
      kind: reviewReminderKind,
      key: reviewReminderKey(incident.id),
      dueAt: reviewDueAt,
      payload: { incidentId: incident.id },
    },
    now,
  );
  if (incident.channelId) {
    await enqueueSlackPost(
      tx,
      {
        // One question per resolution: a reopened and re-resolved incident asks again.
        key: `postmortem:${incident.id}:owner-prompt:${now.getTime()}`,
        channelId: incident.channelId,
        message: renderOwnerPrompt(incident, { ownerId: postmortem.ownerId, reviewDueAt, reviewDays }, timezone),
        incidentId: incident.id,
      },
      now,
    );
  }
}

/** Anyone may take the postmortem or hand it on; the latest choice stands. */
export async function setPostmortemOwner(
  capability: FollowUpCapability,
  incidentId: string,
  ownerId: string,
): Promise<{ incident: IncidentWithRoles; postmortem: Postmortem } | undefined> {
  const incident = await capability.incidents.findById(incidentId);
  if (!incident) return undefined;
  const now = capability.clock.now();
  const postmortem = await capability.prisma.postmortem.upsert({
    where: { incidentId },
    create: { incidentId, ownerId, createdAt: now },
    update: { ownerId },
  });
  capability.log.info({ incident: incident.number, ownerId }, "postmortem owner set");
  return { incident, postmortem };
}

export type DraftResult =
  | { kind: "queued" | "already_queued" | "off"; postmortem: Postmortem; markdown: string }
  | { kind: "exists"; postmortem: Postmortem & { githubUrl: string; githubNumber: number }; markdown: string };

/**
 * Renders the draft from the incident as it is now and stores it. The first
 * draft with GitHub on queues the issue; later drafts only refresh the stored
 * Markdown, so there is never a second issue (the outbox queues once per
 * incident, and only a row still `off` is moved to `queued`).
 */
export async function draftPostmortem(
  capability: FollowUpCapability,
  incident: IncidentWithRoles,
  userId: string,
): Promise<DraftResult> {
  const { prisma } = capability;
  const [timeline, actionItems, existing] = await Promise.all([
    prisma.timelineEvent.findMany({ where: { incidentId: incident.id }, orderBy: [{ occurredAt: "asc" }, { id: "asc" }] }),
    prisma.actionItem.findMany({ where: { incidentId: incident.id }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    prisma.postmortem.findUnique({ where: { incidentId: incident.id } }),
  ]);
  const names = await slackNames(capability, [
    ...incident.roles.map((role) => role.userId),
    ...timeline.flatMap((event) => [event.actorId, ...peopleIn(event.data)]),
    ...actionItems.map((item) => item.ownerId),
    existing?.ownerId ?? null,
  ]);
  const markdown = renderPostmortemMarkdown(
    collectFacts(capability, incident, timeline, actionItems, existing, names),
  );
  const now = capability.clock.now();
  const exported = githubExportFor(capability.playbook, incident);
  const wantsGitHub = capability.githubRepository !== undefined && exported !== "skip";

  const result = await prisma.$transaction(async (tx): Promise<DraftResult> => {
    const stored = await tx.postmortem.upsert({
      where: { incidentId: incident.id },
      create: { incidentId: incident.id, markdown, draftedBy: userId, draftedAt: now, createdAt: now },
      update: { markdown, draftedBy: userId, draftedAt: now },
    });
    if (stored.githubUrl && stored.githubNumber !== null) {
      return { kind: "exists", postmortem: { ...stored, githubUrl: stored.githubUrl, githubNumber: stored.githubNumber }, markdown };
    }
    if (stored.githubState !== "off") return { kind: "already_queued", postmortem: stored, markdown };
    if (!wantsGitHub) {
      if (capability.githubRepository !== undefined && incident.channelId) {
        // The reply cannot tell "GitHub is off" from this; the channel is told the real reason once.
        await enqueueSlackPost(
          tx,
          {
            key: `postmortem:${incident.id}:private-skip`,
            channelId: incident.channelId,
            message: { text: `📝 ${privateSkipReason}: the postmortem draft is uploaded here as a file, and no GitHub issue is opened.` },
            incidentId: incident.id,
          },
          now,
        );
      }
      return { kind: "off", postmortem: stored, markdown };
    }
    const moved = await tx.postmortem.updateMany({
      where: { incidentId: incident.id, githubState: "off" },
      data: { githubState: "queued" },
    });
    if (moved.count === 0) return { kind: "already_queued", postmortem: stored, markdown };
    await queueGitHubIssue(tx, { type: "postmortem", id: incident.id }, now);
    return { kind: "queued", postmortem: { ...stored, githubState: "queued" }, markdown };
  });
  if (result.kind === "queued" || (result.kind === "off" && exported === "skip")) capability.wake();
  if (exported === "redacted" && result.kind !== "off") await uploadRedactedDraft(capability, incident, markdown);
  capability.log.info({ incident: incident.number, outcome: result.kind }, "postmortem drafted");
  return result;
}

/**
 * A redacted private incident's GitHub issue carries none of the draft, so
 * the draft goes to the private channel as a file on every run, as it does
 * with GitHub off. A failed upload leaves the stored draft and is logged.
 */
async function uploadRedactedDraft(capability: FollowUpCapability, incident: IncidentWithRoles, markdown: string): Promise<void> {
  if (!incident.channelId) return;
  try {
    await capability.slack.uploadFile(incident.channelId, {
      filename: postmortemFilename(incident),
      title: `INC-${incident.number} postmortem (draft)`,
      content: Buffer.from(markdown, "utf8"),
      comment:
        "📝 The postmortem draft, from the incident timeline. This incident is private, so its GitHub issue only tracks the review (`followUps.privateIncidents: redacted`): write the postmortem here.",
    });
  } catch (error) {
    capability.log.warn({ err: error, incident: incident.number }, "postmortem upload failed");
  }
}

/** Slack user IDs mentioned in a timeline event's data (pages, escalations, pins). */
function peopleIn(data: unknown): string[] {
  const record = (data ?? {}) as { users?: unknown; author?: unknown; userId?: unknown };
  const ids = [...(Array.isArray(record.users) ? record.users : []), record.author, record.userId];
  return ids.filter((id): id is string => typeof id === "string");
}

/** Display names for the people in the draft; one users.info each, and a lookup that fails keeps the ID. */
async function slackNames(capability: FollowUpCapability, ids: readonly (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === "string" && /^[UW][A-Z0-9]+$/.test(id)))];
  const names = new Map<string, string>();
  await Promise.all(
    wanted.slice(0, 100).map(async (id) => {
      const name = await capability.slack.userName(id).catch(() => undefined);
      if (name) names.set(id, name);
    }),
  );
  return names;
}

function collectFacts(
  capability: FollowUpCapability,
  incident: IncidentWithRoles,
  timeline: PostmortemFacts["timeline"],
  actionItems: PostmortemFacts["actionItems"],
  postmortem: Postmortem | null,
  names: ReadonlyMap<string, string>,
): PostmortemFacts {
  const { playbook } = capability;
  const githubUsers: Record<string, string> = playbook.followUps.githubUsers ?? {};
  return {
    incident,
    roles: [...incident.roles].sort((a, b) => roleOrder(playbook, a.role) - roleOrder(playbook, b.role)),
    timeline,
    actionItems,
    ownerId: postmortem?.ownerId ?? null,
    reviewDueAt: postmortem?.reviewDueAt ?? null,
    timezone: playbook.followUps.timezone,
    ...(playbook.severities[incident.severity]?.description
      ? { severityDescription: playbook.severities[incident.severity]!.description }
      : {}),
    roleLabel: (role) => roleLabel(playbook, role),
    // GitHub cannot resolve Slack IDs: a mapped login is a real mention there; anyone else is
    // named as Slack knows them (escaped: a name cannot mention anyone), with the ID as fallback.
    person: (userId) => {
      if (githubUsers[userId]) return `@${githubUsers[userId]}`;
      const name = names.get(userId);
      return name ? escapeMarkdown(name) : `\`${userId}\``;
    },
  };
}

function roleOrder(playbook: FollowUpCapability["playbook"], role: string): number {
  const index = Object.keys(playbook.roles).indexOf(role);
  return index === -1 ? Number.MAX_SAFE_INTEGER : index;
}

/**
 * At the review deadline: one reminder in the incident channel, unless the
 * incident was reopened meanwhile (resolving it again reschedules this timer).
 */
export function createReviewReminderHandler(capability: FollowUpCapability): TimerHandler {
  return async (timer, { now }) => {
    const incidentId = String(timer.payload.incidentId);
    const incident = await capability.incidents.findById(incidentId);
    if (!incident || incident.status !== "resolved" || !incident.channelId) return { kind: "done" };
    const postmortem = await capability.prisma.postmortem.findUnique({ where: { incidentId } });
    const ic = incident.roles.find((role) => role.role === "incident_commander")?.userId;
    const message = renderReviewReminder(incident, {
      mention: postmortem?.ownerId ?? ic,
      isOwner: Boolean(postmortem?.ownerId),
      reviewDays: capability.playbook.followUps.postmortemReviewDays,
      hasDraft: Boolean(postmortem?.markdown),
      githubUrl: postmortem?.githubUrl ?? null,
      githubNumber: postmortem?.githubNumber ?? null,
    });
    return doneWithPost(
      { key: `${reviewReminderKey(incidentId)}:${timer.dueAt.getTime()}`, channelId: incident.channelId, message, incidentId },
      now,
    );
  };
}
