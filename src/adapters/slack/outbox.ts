import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import { scheduleTimerOnce } from "../../core/scheduler/timers.ts";
import type { TimerHandler, TimerOutcome, Transaction } from "../../core/scheduler/types.ts";
import { SlackCallError, type SlackGateway, type SlackMessage } from "./gateway.ts";

/**
 * The Slack outbox: everything the bot posts on its own (reminders, status
 * updates, alerts) is written to `slack_posts` in the same transaction as the
 * change that causes it, and delivered by a durable timer. Exactly once:
 *
 *  - the timer engine gives each post to one replica at a time;
 *  - a post is marked sent in the commit that finishes its timer;
 *  - if a process dies after Slack accepted the message but before that
 *    commit, the retry first looks for the message by the post key carried
 *    in its metadata, and records it instead of posting again.
 *
 * Posts respect about one message per second per channel across replicas
 * (`slack_channel_slots`), and a 429 defers the post by Retry-After without
 * counting as a failure.
 */

export const slackDeliveryKind = "slack.deliver";

export interface OutboxPost {
  /** Stable for the logical message: the same key is never delivered twice. */
  key: string;
  channelId: string;
  message: SlackMessage;
  threadTs?: string | null;
  incidentId?: string | null;
}

export interface OutboxDirectMessage {
  /** Stable for the logical message: the same key is never delivered twice. */
  key: string;
  /** The person it is for; delivery opens (or finds) the DM channel with them. */
  userId: string;
  message: SlackMessage;
  incidentId?: string | null;
}

/** A timer's outcome that finishes it and queues one post, in the same commit (a nudge, a reminder). */
export function doneWithPost(post: OutboxPost, now: Date): TimerOutcome {
  return { kind: "done", effects: (tx) => enqueueSlackPost(tx, post, now) };
}

/** Records a post to a channel and its delivery timer, inside the caller's transaction. */
export async function enqueueSlackPost(tx: Transaction, post: OutboxPost, now: Date): Promise<void> {
  await enqueue(tx, { ...post, operation: "post" }, now);
}

/** Records a direct message to one person and its delivery timer, inside the caller's transaction. */
export async function enqueueDirectMessage(tx: Transaction, dm: OutboxDirectMessage, now: Date): Promise<void> {
  // The row's channel_id holds the user: the DM channel is only known once Slack opens it.
  await enqueue(tx, { key: dm.key, channelId: dm.userId, message: dm.message, incidentId: dm.incidentId, operation: "dm" }, now);
}

async function enqueue(tx: Transaction, post: OutboxPost & { operation: "post" | "dm" }, now: Date): Promise<void> {
  await tx.slackPost.createMany({
    data: [
      {
        key: post.key,
        operation: post.operation,
        channelId: post.channelId,
        threadTs: post.threadTs ?? null,
        message: post.message as unknown as Prisma.InputJsonObject,
        incidentId: post.incidentId ?? null,
        createdAt: now,
      },
    ],
    skipDuplicates: true,
  });
  await scheduleTimerOnce(
    tx,
    {
      kind: slackDeliveryKind,
      key: `slack:${post.key}`,
      dueAt: now,
      payload: { postKey: post.key },
    },
    now,
  );
}

export interface SlackDeliveryOptions {
  prisma: PrismaClient;
  /** A gateway whose client does not retry on its own: the timer retries. */
  slack: SlackGateway;
  /** Minimum spacing of posts in one channel. */
  channelIntervalMs?: number;
}

export function createSlackDeliveryHandler(options: SlackDeliveryOptions): TimerHandler {
  const { prisma, slack } = options;
  const intervalMs = options.channelIntervalMs ?? 1000;

  return async (timer, { now }) => {
    const key = String(timer.payload.postKey);
    const post = await prisma.slackPost.findUnique({ where: { key } });
    if (!post || post.state === "sent") return { kind: "done" };

    const slot =
      post.reservedSlot ?? (await reserveSlot(prisma, key, post.channelId, now, intervalMs));
    if (slot.getTime() > now.getTime()) return { kind: "defer", at: slot };

    const markSent = (ts: string) => ({
      kind: "done" as const,
      effects: async (tx: Transaction) => {
        await tx.slackPost.update({ where: { key }, data: { state: "sent", ts, sentAt: now } });
      },
    });

    const threadTs = post.threadTs ?? undefined;
    try {
      // A DM is addressed by user; its history is read by DM channel.
      const channelId = post.operation === "dm" ? await slack.openDirectMessage(post.channelId) : post.channelId;
      if (post.sendAttempts > 0) {
        const found = await slack.findPostedMessage(channelId, key, threadTs);
        if (found) return markSent(found);
      }
      await prisma.slackPost.update({ where: { key }, data: { sendAttempts: { increment: 1 } } });
      const posted = await slack.postMessage(channelId, post.message as unknown as SlackMessage, {
        postKey: key,
        ...(threadTs ? { threadTs } : {}),
      });
      return markSent(posted.ts);
    } catch (error) {
      if (error instanceof SlackCallError && error.code === "rate_limited") {
        const waitMs = (error.retryAfterSeconds ?? 1) * 1000;
        return { kind: "defer", at: new Date(now.getTime() + waitMs) };
      }
      throw error;
    }
  };
}

/**
 * Takes the channel's next free posting slot and remembers it on the post,
 * so a deferred post uses its own slot when it comes back instead of queueing
 * behind itself.
 */
async function reserveSlot(
  prisma: PrismaClient,
  key: string,
  channelId: string,
  now: Date,
  intervalMs: number,
): Promise<Date> {
  return prisma.$transaction(async (tx) => {
    const slot = await nextChannelSlot(tx, channelId, now, intervalMs);
    await tx.slackPost.update({ where: { key }, data: { reservedSlot: slot } });
    return slot;
  });
}

/**
 * A message posted directly, outside the outbox (a declaration's intro and
 * announcement, which the person declaring waits for), still uses a slot of its
 * channel's one-message-per-second pace: the outbox's next post there waits
 * behind it instead of bursting, and so a declaration's page DMs, in their
 * own DM channels, go out before its channel notes.
 */
export async function takeChannelSlot(
  prisma: PrismaClient,
  channelId: string,
  now: Date,
  intervalMs = 1000,
): Promise<void> {
  await nextChannelSlot(prisma, channelId, now, intervalMs);
}

async function nextChannelSlot(
  db: Pick<PrismaClient, "$queryRaw">,
  channelId: string,
  now: Date,
  intervalMs: number,
): Promise<Date> {
  const firstNext = new Date(now.getTime() + intervalMs);
  const rows = await db.$queryRaw<{ next_slot_at: Date }[]>`
    INSERT INTO slack_channel_slots (channel_id, next_slot_at) VALUES (${channelId}, ${firstNext})
    ON CONFLICT (channel_id) DO UPDATE SET next_slot_at =
      GREATEST(slack_channel_slots.next_slot_at, ${now}::timestamptz) + (${intervalMs}::int * interval '1 millisecond')
    RETURNING next_slot_at`;
  return new Date(rows[0]!.next_slot_at.getTime() - intervalMs);
}
