import { DateTime } from "luxon";
import { appendTimeline } from "../../domain/incidents/timeline.ts";
import type { ActionItem } from "../../generated/prisma/client.ts";
import { type IncidentWithRoles, isUuid } from "../../domain/incidents/repository.ts";
import { incidentKey, splitIncidentReference } from "../../domain/incidents/rules.ts";
import { escapeMrkdwn, mentionUser, parseUserMention, truncate } from "../../adapters/slack/escape.ts";
import { err, ok, type Result } from "../../core/result.ts";
import { withoutControlCharacters } from "../../core/text.ts";
import type { SlackMessage } from "../../adapters/slack/gateway.ts";
import { enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import type { FollowUpCapability } from "./capability.ts";
import { queueGitHubIssue, queueIssueStatePush } from "./github-outbox.ts";
import { githubExportFor, privateSkipReason } from "./private-incidents.ts";

/**
 * Follow-up action items: recorded here first (owner, due date, incident),
 * then mirrored to a GitHub issue through the outbox when GitHub is set up.
 */

export const actionItemLimits = { text: 1000 } as const;

export interface ActionItemInput {
  number?: number;
  text: string;
  ownerId?: string;
  /** YYYY-MM-DD */
  dueOn?: string;
}

/** Parses `[INC-n] <text> [@owner] [due:YYYY-MM-DD]`; the owner and due date may sit anywhere. */
export function parseActionItemArgs(rest: string): Result<ActionItemInput> {
  const { number, rest: afterReference } = splitIncidentReference(rest);
  const words: string[] = [];
  let ownerId: string | undefined;
  let dueOn: string | undefined;
  for (const token of afterReference.split(/\s+/).filter(Boolean)) {
    const mentioned = parseUserMention(token);
    if (mentioned && ownerId === undefined) {
      ownerId = mentioned;
      continue;
    }
    const due = /^due:(.*)$/i.exec(token);
    if (due) {
      const checked = validateDueDate(due[1] ?? "");
      if (!checked.ok) return checked;
      dueOn = checked.value;
      continue;
    }
    words.push(token);
  }
  const text = validateActionItemText(words.join(" "));
  if (!text.ok) return text;
  return {
    ok: true,
    value: {
      text: text.value,
      ...(number !== undefined ? { number } : {}),
      ...(ownerId ? { ownerId } : {}),
      ...(dueOn ? { dueOn } : {}),
    },
  };
}

export function validateActionItemText(input: string): Result<string> {
  const text = withoutControlCharacters(input).trim();
  if (!text) return { ok: false, error: "Say what needs doing, e.g. `/incident action Add an alert on queue depth @alice due:2026-12-01`." };
  if (text.length > actionItemLimits.text) {
    return { ok: false, error: `Keep the action item to ${actionItemLimits.text} characters (it has ${text.length}).` };
  }
  return { ok: true, value: text };
}

export function validateDueDate(input: string): Result<string> {
  const date = DateTime.fromFormat(input, "yyyy-MM-dd", { zone: "UTC" });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input) || !date.isValid) {
    return { ok: false, error: `"${escapeMrkdwn(input)}" is not a date. Write the due date as due:YYYY-MM-DD.` };
  }
  return { ok: true, value: input };
}

/** The calendar day an item is due, as YYYY-MM-DD. */
export function dueDateText(item: { dueOn: Date | null }): string | undefined {
  return item.dueOn ? item.dueOn.toISOString().slice(0, 10) : undefined;
}

/** Overdue: still open and its due day has ended in the team's timezone. */
export function isOverdue(item: { state: string; dueOn: Date | null }, now: Date, timezone: string): boolean {
  if (item.state !== "open" || !item.dueOn) return false;
  const today = DateTime.fromJSDate(now, { zone: timezone }).toISODate();
  return dueDateText(item)! < today!;
}

/** `private`: GitHub is on, but the playbook keeps this private incident off it. */
export type ActionItemGitHub = "queued" | "off" | "private";

export interface CreatedActionItem {
  item: ActionItem;
  github: ActionItemGitHub;
}

/** Records the item, notes it on the timeline and in the channel, and queues its GitHub issue. */
export async function createActionItem(
  capability: FollowUpCapability,
  incident: IncidentWithRoles,
  input: { text: string; ownerId?: string; dueOn?: string; createdBy: string; sourceUrl?: string },
): Promise<CreatedActionItem> {
  const now = capability.clock.now();
  const github: ActionItemGitHub = !capability.githubRepository
    ? "off"
    : githubExportFor(capability.playbook, incident) === "skip"
      ? "private"
      : "queued";
  const item = await capability.prisma.$transaction(async (tx) => {
    const created = await tx.actionItem.create({
      data: {
        incidentId: incident.id,
        text: input.text,
        ownerId: input.ownerId ?? null,
        dueOn: input.dueOn ? new Date(`${input.dueOn}T00:00:00Z`) : null,
        createdBy: input.createdBy,
        createdAt: now,
        updatedAt: now,
        sourceUrl: input.sourceUrl ?? null,
        // A skipped private item is tracked like one with GitHub off: no issue, no state pushes.
        githubState: github === "queued" ? "queued" : "off",
      },
    });
    await appendTimeline(tx, { incidentId: incident.id, kind: "action_item_added", actorId: input.createdBy, at: now, data: { actionItemId: created.id, text: input.text, ownerId: input.ownerId ?? null, dueOn: input.dueOn ?? null } });
    if (github === "queued") await queueGitHubIssue(tx, { type: "action_item", id: created.id }, now);
    if (incident.channelId) {
      await enqueueSlackPost(
        tx,
        {
          key: `action-item:${created.id}:added`,
          channelId: incident.channelId,
          message: renderActionItemAdded(created, input.createdBy, github),
          incidentId: incident.id,
        },
        now,
      );
    }
    return created;
  });
  capability.wake();
  capability.actionItemsChanged([input.createdBy, ...(input.ownerId ? [input.ownerId] : [])]);
  return { item, github };
}

/** One line describing an item: text, owner, due date and its GitHub issue. */
export function describeActionItem(item: ActionItem): string {
  const parts = [escapeMrkdwn(truncate(item.text, 300))];
  if (item.ownerId) parts.push(mentionUser(item.ownerId));
  const due = dueDateText(item);
  if (due) parts.push(`due ${due}`);
  if (item.githubUrl && item.githubNumber) parts.push(`<${item.githubUrl}|#${item.githubNumber}>`);
  else if (item.githubState === "queued") parts.push("GitHub issue queued");
  if (item.state === "done") parts.push("✅ done");
  return parts.join(" · ");
}

export const markActionItemDoneActionId = "action_item_mark_done";

export function renderActionItemAdded(item: ActionItem, createdBy: string, github: ActionItemGitHub): SlackMessage {
  const where =
    github === "queued"
      ? "Its GitHub issue is queued; the link follows here."
      : github === "private"
        ? `${privateSkipReason}, so it is tracked here only.`
        : "GitHub is not configured, so it is tracked here only.";
  const text = `📝 ${mentionUser(createdBy)} added an action item: ${describeActionItem(item)}\n${where}`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: truncate(text, 3000) } },
      {
        type: "actions",
        elements: [
          {
            type: "button",
            action_id: markActionItemDoneActionId,
            text: { type: "plain_text", text: "Mark done" },
            value: item.id,
          },
        ],
      },
    ],
  };
}

/**
 * Marks an item done from Slack (the Mark done button): noted on the
 * timeline and in the channel, and its GitHub issue is closed through the
 * outbox. Anyone in the incident may do it; who did is recorded.
 */
export async function completeActionItem(
  capability: FollowUpCapability,
  itemId: string,
  userId: string,
): Promise<Result<{ item: ActionItem; changed: boolean }>> {
  if (!isUuid(itemId)) return err("That action item no longer exists.");
  const now = capability.clock.now();
  const result = await capability.prisma.$transaction(async (tx) => {
    const changed = await tx.actionItem.updateManyAndReturn({
      where: { id: itemId, state: "open" },
      data: { state: "done", doneAt: now, doneBy: userId, updatedAt: now },
      include: { incident: { select: { channelId: true } } },
    });
    const item = changed[0];
    if (!item) {
      const existing = await tx.actionItem.findUnique({ where: { id: itemId } });
      return existing ? ok({ item: existing, changed: false }) : err("That action item no longer exists.");
    }
    await appendTimeline(tx, { incidentId: item.incidentId, kind: "action_item_done", actorId: userId, at: now, data: { actionItemId: item.id, text: item.text, via: "slack" } });
    if (item.githubState !== "off") await queueIssueStatePush(tx, item.id, now);
    if (item.incident.channelId) {
      const text = `✅ ${mentionUser(userId)} marked an action item done: ${describeActionItem(item)}`;
      await enqueueSlackPost(
        tx,
        {
          key: `action-item:${item.id}:done-by-slack:${now.getTime()}`,
          channelId: item.incident.channelId,
          message: { text, blocks: [{ type: "section", text: { type: "mrkdwn", text: truncate(text, 3000) } }] },
          incidentId: item.incidentId,
        },
        now,
      );
    }
    const { incident: _incident, ...plain } = item;
    return ok({ item: plain, changed: true });
  });
  if (result.ok && result.value.changed) {
    const { item } = result.value;
    capability.wake();
    capability.actionItemsChanged([item.createdBy, ...(item.ownerId ? [item.ownerId] : [])]);
  }
  return result;
}

/** The ephemeral answer to whoever added the item. */
export function replyForCreated(incident: { number: number }, created: CreatedActionItem): string {
  const key = incidentKey(incident.number);
  switch (created.github) {
    case "queued":
      return `Action item added to ${key}. Its GitHub issue is queued; the link will be posted in the incident channel.`;
    case "private":
      return `Action item added to ${key}. ${privateSkipReason}, so it is tracked here only.`;
    case "off":
      return `Action item added to ${key}. GitHub is off (GITHUB_TOKEN and GITHUB_REPOSITORY are not set), so it is tracked here only.`;
  }
}
