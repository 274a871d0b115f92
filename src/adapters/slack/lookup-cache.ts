import type { Clock } from "../../core/clock.ts";
import { SlackCallError, type SlackGateway, type SlackMessage } from "./gateway.ts";

/**
 * Remembers the two Slack lookups the paging path repeats, so a SEV1 costs
 * the channel's calls plus one message per paged person instead of also a
 * `conversations.open` per person and a `usergroups.users.list` per group.
 *
 * - **DM channel ids** (`conversations.open`) do not change for a bot and a
 *   person, so they are kept for a day. If Slack ever answers
 *   `channel_not_found` for one, it is forgotten at once and the outbox's
 *   retry opens it again.
 * - **User-group members** (`usergroups.users.list`) change when a rotation
 *   hands over, so they are kept for a minute: a handover reaches paging
 *   within that minute, and a burst of declarations reads each group once.
 *
 * Each replica keeps its own copy in memory; concurrent lookups of one key
 * share one call, and a failed lookup is not kept.
 */

export interface SlackLookupCacheOptions {
  clock: Clock;
  userGroupTtlMs?: number;
  directMessageTtlMs?: number;
}

export const defaultUserGroupTtlMs = 60_000;
export const defaultDirectMessageTtlMs = 24 * 60 * 60_000;

export interface SlackLookupCache {
  /** The gateway with the cached lookups; every other call passes through. */
  wrap(gateway: SlackGateway): SlackGateway;
}

export function createSlackLookupCache(options: SlackLookupCacheOptions): SlackLookupCache {
  const now = () => options.clock.now().getTime();
  const userGroups = new ExpiringLookups<string[]>(now, options.userGroupTtlMs ?? defaultUserGroupTtlMs);
  const directMessages = new ExpiringLookups<string>(now, options.directMessageTtlMs ?? defaultDirectMessageTtlMs);

  // A DM channel Slack no longer knows is forgotten, so the next attempt opens it afresh.
  const forgetUnknownChannel = (channelId: string, error: unknown) => {
    if (error instanceof SlackCallError && error.code === "channel_not_found") {
      directMessages.forgetWhere((dmChannelId) => dmChannelId === channelId);
    }
  };

  return {
    wrap: (gateway) => ({
      ...gateway,
      // A copy each time: callers own what they are given.
      userGroupMembers: async (groupId) => [...(await userGroups.get(groupId, () => gateway.userGroupMembers(groupId)))],
      openDirectMessage: (userId) => directMessages.get(userId, () => gateway.openDirectMessage(userId)),
      postMessage: async (channelId: string, message: SlackMessage, postOptions) => {
        try {
          return await gateway.postMessage(channelId, message, postOptions);
        } catch (error) {
          forgetUnknownChannel(channelId, error);
          throw error;
        }
      },
      findPostedMessage: async (channelId, postKey, threadTs) => {
        try {
          return await gateway.findPostedMessage(channelId, postKey, threadTs);
        } catch (error) {
          forgetUnknownChannel(channelId, error);
          throw error;
        }
      },
    }),
  };
}

/** Values by key, each kept until its expiry; a lookup in flight is shared, a failure is not kept. */
class ExpiringLookups<T> {
  private readonly entries = new Map<string, { value: Promise<T>; expiresAt: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs: number,
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) return entry.value;
    const value = load();
    const fresh = { value, expiresAt: this.now() + this.ttlMs };
    this.entries.set(key, fresh);
    value.catch(() => {
      if (this.entries.get(key) === fresh) this.entries.delete(key);
    });
    return value;
  }

  forgetWhere(matches: (value: T) => boolean): void {
    for (const [key, entry] of this.entries) {
      void entry.value.then(
        (value) => {
          if (matches(value) && this.entries.get(key) === entry) this.entries.delete(key);
        },
        () => undefined,
      );
    }
  }
}
