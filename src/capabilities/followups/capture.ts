import type { IncidentWithRoles } from "../../domain/incidents/repository.ts";
import { appendTimeline } from "../../domain/incidents/timeline.ts";
import { escapeMrkdwn } from "../../adapters/slack/escape.ts";
import { err, ok, type Result } from "../../core/result.ts";
import { type FieldErrors, formFields, type ViewValues } from "../../adapters/slack/payload.ts";
import type { SlackRouter } from "../../adapters/slack/router.ts";
import { enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import {
  createActionItem,
  replyForCreated,
  validateActionItemText,
  validateDueDate,
} from "./action-items.ts";
import type { FollowUpCapability } from "./capability.ts";
import {
  type ActionItemModalMetadata,
  actionItemBlockIds,
  actionItemModalCallbackId,
  captureShortcutIds,
  notAnIncidentChannelMessage,
  pinnedReplyForUser,
  renderActionItemModal,
  renderPinnedReply,
  timelineReaction,
} from "./capture-views.ts";

/**
 * Capturing messages from an incident channel: a 📌 reaction or the "Add to
 * incident timeline" shortcut puts the message on the timeline, and the "Add
 * as action item" shortcut turns it into a follow-up action item.
 */

export interface CapturedMessage {
  channelId: string;
  ts: string;
  /** The thread the message sits in, when known; the acknowledgement goes there. */
  threadTs?: string;
  /** Known from a shortcut payload; fetched from Slack for a reaction. */
  text?: string;
  author?: string;
}

function findPinned(
  client: Pick<FollowUpCapability["prisma"], "timelineEvent">,
  incidentId: string,
  message: { channelId: string; ts: string },
) {
  return client.timelineEvent.findFirst({
    where: {
      incidentId,
      kind: "message_pinned",
      AND: [{ data: { path: ["ts"], equals: message.ts } }, { data: { path: ["channelId"], equals: message.channelId } }],
    },
    select: { id: true },
  });
}

/** When the message was posted, from its ts (seconds since the epoch). */
function messageTime(ts: string): string | null {
  const seconds = Number(ts);
  return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : null;
}

/**
 * Records a message on the incident's timeline once, however many people pin
 * it, and answers once in its thread. `recorded` is false when it was already
 * there (or Slack no longer has it).
 */
export async function addMessageToTimeline(
  capability: FollowUpCapability,
  incident: IncidentWithRoles,
  message: CapturedMessage,
  actorId: string,
): Promise<{ recorded: boolean }> {
  // Cheap check first, so a second pin costs no Slack calls.
  if (await findPinned(capability.prisma, incident.id, message)) return { recorded: false };

  let text = message.text;
  let author = message.author;
  if (text === undefined) {
    const fetched = await capability.slack.getMessage(message.channelId, message.ts);
    if (!fetched) {
      capability.log.warn({ channelId: message.channelId, ts: message.ts }, "pinned message not found in Slack");
      return { recorded: false };
    }
    text = fetched.text;
    author = fetched.user;
    // The reaction event does not say whether the message is a thread reply; Slack's copy does.
    if (fetched.threadTs && !message.threadTs) message = { ...message, threadTs: fetched.threadTs };
  }
  const permalink = await capability.slack.permalink(message.channelId, message.ts).catch((error: unknown) => {
    capability.log.warn({ err: error, channelId: message.channelId, ts: message.ts }, "permalink of pinned message unavailable");
    return null;
  });

  const now = capability.clock.now();
  const recorded = await capability.prisma.$transaction(async (tx) => {
    // Two people pinning at the same moment: the lock makes the second see the first's row.
    const lockKey = `timeline-pin:${message.channelId}:${message.ts}`;
    await tx.$executeRaw`SELECT 1 FROM pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`;
    if (await findPinned(tx, incident.id, message)) return false;
    await appendTimeline(tx, { incidentId: incident.id, kind: "message_pinned", actorId: actorId, at: now, data: {
          channelId: message.channelId,
          ts: message.ts,
          text,
          author: author ?? null,
          permalink,
          postedAt: messageTime(message.ts),
        } });
    await enqueueSlackPost(
      tx,
      {
        key: `timeline-pin:${incident.id}:${message.ts}`,
        channelId: message.channelId,
        threadTs: message.threadTs ?? message.ts,
        message: renderPinnedReply(incident),
        incidentId: incident.id,
      },
      now,
    );
    return true;
  });
  if (recorded) capability.wake();
  return { recorded };
}

/** Waits for a promise at most `ms`, so a slow Slack call cannot outlive a trigger_id. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

// trigger_id lives 3 s from the click; leave most of it for views.open.
const permalinkWaitMs = 800;

interface ActionItemForm {
  text: string;
  ownerId?: string;
  dueOn?: string;
}

function readActionItemForm(values: ViewValues): Result<ActionItemForm, FieldErrors> {
  const fields = formFields(values);
  const errors: FieldErrors = {};
  const text = validateActionItemText(fields.text(actionItemBlockIds.text) ?? "");
  if (!text.ok) errors[actionItemBlockIds.text] = text.error;
  const ownerId = fields.user(actionItemBlockIds.owner);
  const dueInput = fields.date(actionItemBlockIds.due);
  const due = dueInput ? validateDueDate(dueInput) : undefined;
  if (due && !due.ok) errors[actionItemBlockIds.due] = `"${escapeMrkdwn(dueInput!)}" is not a date. Pick the day it is due.`;
  if (!text.ok || Object.keys(errors).length > 0) return err(errors);
  return ok({ text: text.value, ...(ownerId ? { ownerId } : {}), ...(due?.ok ? { dueOn: due.value } : {}) });
}

export function registerCaptureInteractions(router: SlackRouter, capability: FollowUpCapability): void {
  const { log } = capability;

  router.event({
    event: "reaction_added",
    access: {
      locate: async (event) => {
        const item = event.item as { type?: unknown; channel?: unknown } | undefined;
        if (event.reaction !== timelineReaction || item?.type !== "message" || typeof item.channel !== "string") return null;
        if (typeof event.user !== "string") return null;
        // The router goes on only for an incident past its declaration: one with a channel worth capturing from.
        const located = await router.incidentOfChannel(item.channel);
        return located ? { incident: located.incident, userId: event.user } : null;
      },
      needs: "contribute",
    },
    run: async (event, incident) => {
      const item = event.item as { channel: string; ts?: unknown };
      if (typeof item.ts !== "string") return;
      await addMessageToTimeline(capability, incident, { channelId: item.channel, ts: item.ts }, event.user as string);
    },
  });

  router.shortcut({
    callbackId: captureShortcutIds.addToTimeline,
    needs: "contribute",
    notInIncident: notAnIncidentChannelMessage,
    run: async (incident, message, interaction) => {
      const { recorded } = await addMessageToTimeline(
        capability,
        incident,
        {
          channelId: incident.channelId!,
          ts: message.ts,
          ...(message.threadTs ? { threadTs: message.threadTs } : {}),
          ...(message.text !== undefined ? { text: message.text } : {}),
          ...(message.user ? { author: message.user } : {}),
        },
        interaction.userId,
      );
      await interaction.reply({ text: pinnedReplyForUser(incident, recorded) });
    },
  });

  router.shortcut({
    callbackId: captureShortcutIds.addActionItem,
    needs: "contribute",
    notInIncident: notAnIncidentChannelMessage,
    run: async (incident, message, interaction) => {
      const channelId = incident.channelId!;
      // The permalink is asked for now but never allowed to hold up the modal (trigger_id lives 3 s).
      const link = await within(capability.slack.permalink(channelId, message.ts), permalinkWaitMs);
      const metadata: ActionItemModalMetadata = { incidentId: incident.id, channelId, ts: message.ts, ...(link ? { permalink: link } : {}) };
      await interaction.openView(renderActionItemModal(incident, metadata, message.text ?? ""));
    },
  });

  router.view({
    callbackId: actionItemModalCallbackId,
    refusalBlock: actionItemBlockIds.text,
    read: readActionItemForm,
    about: {
      locate: async (fields) => {
        const incident = (await router.incidentById(fields.incidentId))?.incident;
        if (!incident) return null;
        // The message must be one of this incident's channel: the link is made from the pair, not trusted.
        const source = fields.channelId === incident.channelId && fields.ts ? { channelId: fields.channelId, ts: fields.ts } : undefined;
        return { incident, ...(source ? { source } : {}) };
      },
      needs: () => "contribute" as const,
    },
    timing: "after-ack",
    run: async (form, { incident, source }, interaction) => {
      const tell = (text: string) =>
        interaction.reply({ text }).catch((error: unknown) => log.warn({ err: error, userId: interaction.userId }, "action item reply failed"));
      try {
        const sourceUrl = source
          ? await capability.slack.permalink(source.channelId, source.ts).catch(() => undefined)
          : undefined;
        const created = await createActionItem(capability, incident, {
          ...form,
          createdBy: interaction.userId,
          ...(sourceUrl ? { sourceUrl } : {}),
        });
        await tell(replyForCreated(incident, created));
      } catch (error) {
        log.error({ err: error, incidentId: incident.id }, "creating action item from shortcut failed");
        await tell("Adding that action item failed; it was logged and nothing was saved. Try the shortcut again.");
      }
    },
  });
}
