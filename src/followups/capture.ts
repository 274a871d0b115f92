import type { App } from "@slack/bolt";
import type { MessageShortcut } from "@slack/bolt";
import type { IncidentWithRoles } from "../incidents/repository.ts";
import { escapeMrkdwn } from "../slack/escape.ts";
import { enqueueSlackPost } from "../slack/outbox.ts";
import { readViewMetadata } from "../slack/view-metadata.ts";
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

/** Only an incident past its declaration has a channel worth capturing from. */
async function incidentOfChannel(capability: FollowUpCapability, channelId: string): Promise<IncidentWithRoles | undefined> {
  const incident = await capability.incidents.findByChannel(channelId);
  return incident && incident.phase === "active" ? incident : undefined;
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
    await tx.timelineEvent.create({
      data: {
        incidentId: incident.id,
        kind: "message_pinned",
        actorId,
        occurredAt: now,
        data: {
          channelId: message.channelId,
          ts: message.ts,
          text,
          author: author ?? null,
          permalink,
          postedAt: messageTime(message.ts),
        },
      },
    });
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

export function registerCaptureInteractions(app: App, capability: FollowUpCapability): void {
  const { log } = capability;

  app.event("reaction_added", async ({ event }) => {
    if (event.reaction !== timelineReaction || event.item.type !== "message") return;
    const incident = await incidentOfChannel(capability, event.item.channel);
    if (!incident) return;
    await addMessageToTimeline(capability, incident, { channelId: event.item.channel, ts: event.item.ts }, event.user).catch(
      (error: unknown) => log.error({ err: error, incidentId: incident.id }, "adding pinned message to timeline failed"),
    );
  });

  app.shortcut<MessageShortcut>(
    { callback_id: captureShortcutIds.addToTimeline, type: "message_action" },
    async ({ ack, shortcut, respond }) => {
      await ack();
      const reply = (text: string) =>
        respond({ response_type: "ephemeral", replace_original: false, text }).catch((error: unknown) =>
          log.warn({ err: error }, "timeline shortcut reply failed"),
        );
      const incident = await incidentOfChannel(capability, shortcut.channel.id);
      if (!incident) {
        await reply(notAnIncidentChannelMessage);
        return;
      }
      const threadTs = typeof shortcut.message.thread_ts === "string" ? shortcut.message.thread_ts : undefined;
      try {
        const { recorded } = await addMessageToTimeline(
          capability,
          incident,
          {
            channelId: shortcut.channel.id,
            ts: shortcut.message.ts,
            ...(threadTs ? { threadTs } : {}),
            ...(shortcut.message.text !== undefined ? { text: shortcut.message.text } : {}),
            ...(shortcut.message.user ? { author: shortcut.message.user } : {}),
          },
          shortcut.user.id,
        );
        await reply(pinnedReplyForUser(incident, recorded));
      } catch (error) {
        log.error({ err: error, incidentId: incident.id }, "adding message to timeline failed");
        await reply("Adding that message to the timeline failed; it was logged. Try again in a moment.");
      }
    },
  );

  app.shortcut<MessageShortcut>(
    { callback_id: captureShortcutIds.addActionItem, type: "message_action" },
    async ({ ack, shortcut, respond, client }) => {
      await ack();
      const channelId = shortcut.channel.id;
      const ts = shortcut.message.ts;
      // Ask for the permalink now, alongside the lookup, but never let it hold up the modal.
      const permalink = within(capability.slack.permalink(channelId, ts), permalinkWaitMs);
      const incident = await incidentOfChannel(capability, channelId);
      if (!incident) {
        await respond({ response_type: "ephemeral", replace_original: false, text: notAnIncidentChannelMessage });
        return;
      }
      const link = await permalink;
      const metadata: ActionItemModalMetadata = { incidentId: incident.id, channelId, ts, ...(link ? { permalink: link } : {}) };
      await client.views.open({
        trigger_id: shortcut.trigger_id,
        view: renderActionItemModal(incident, metadata, shortcut.message.text ?? ""),
      });
    },
  );

  app.view(actionItemModalCallbackId, async ({ ack, body, view }) => {
    const values = view.state.values;
    const errors: Record<string, string> = {};
    const text = validateActionItemText(values[actionItemBlockIds.text]?.value?.value ?? "");
    if (!text.ok) errors[actionItemBlockIds.text] = text.error;
    const ownerId = values[actionItemBlockIds.owner]?.value?.selected_user ?? undefined;
    const dueInput = values[actionItemBlockIds.due]?.value?.selected_date ?? undefined;
    const due = dueInput ? validateDueDate(dueInput) : undefined;
    if (due && !due.ok) errors[actionItemBlockIds.due] = `"${escapeMrkdwn(dueInput!)}" is not a date. Pick the day it is due.`;
    const metadata: Partial<ActionItemModalMetadata> = readViewMetadata(view.private_metadata, ["incidentId", "channelId", "ts", "permalink"]);
    const incident = metadata.incidentId ? await capability.incidents.findById(metadata.incidentId) : null;
    if (!incident || incident.phase !== "active") errors[actionItemBlockIds.text] = "That incident no longer exists.";
    if (Object.keys(errors).length > 0 || !text.ok || !incident) {
      await ack({ response_action: "errors", errors });
      return;
    }
    await ack();

    const userId = body.user.id;
    const tell = async (message: string) => {
      const channelId = incident.channelId ?? metadata.channelId;
      try {
        if (!channelId) throw new Error("incident has no channel");
        await capability.slack.postEphemeral(channelId, userId, { text: message });
      } catch {
        // Not in the incident channel (e.g. left it): a DM still reaches them.
        await capability.slack
          .postMessage(userId, { text: message })
          .catch((error: unknown) => log.warn({ err: error, userId }, "action item reply failed"));
      }
    };
    try {
      const sourceUrl =
        metadata.permalink ??
        (metadata.channelId && metadata.ts
          ? await capability.slack.permalink(metadata.channelId, metadata.ts).catch(() => undefined)
          : undefined);
      const created = await createActionItem(capability, incident, {
        text: text.value,
        createdBy: userId,
        ...(ownerId ? { ownerId } : {}),
        ...(due?.ok ? { dueOn: due.value } : {}),
        ...(sourceUrl ? { sourceUrl } : {}),
      });
      await tell(replyForCreated(incident, created));
    } catch (error) {
      log.error({ err: error, incidentId: incident.id }, "creating action item from shortcut failed");
      await tell("Adding that action item failed; it was logged and nothing was saved. Try the shortcut again.");
    }
  });
}
