import type { Logger } from "../../core/logging.ts";
import type { Clock } from "../../core/clock.ts";
import type { SlackGateway } from "./gateway.ts";

/**
 * Who is in an incident channel, for the access policy's private incidents.
 * Read from `conversations.members` and kept for `ttlMs`, so a burst of
 * clicks costs one call per channel. `member_joined_channel` and
 * `member_left_channel` events, and the bot's own invites, drop the cached
 * list at once; the TTL bounds how stale a replica that missed the event can
 * be. When Slack cannot answer, the person counts as outside (fail closed):
 * role holders and admins are unaffected, since the policy knows them
 * without Slack.
 */

export interface ChannelMembership {
  isMember(channelId: string, userId: string): Promise<boolean>;
  /** Drops what is cached for a channel (a member joined or left, or the bot invited someone). */
  forget(channelId: string): void;
}

export const membershipTtlMs = 30_000;
const maxCachedChannels = 500;

export function createChannelMembership(deps: {
  slack: Pick<SlackGateway, "channelMembers">;
  clock: Clock;
  log: Logger;
  ttlMs?: number;
}): ChannelMembership {
  const ttlMs = deps.ttlMs ?? membershipTtlMs;
  const cached = new Map<string, { members: Promise<Set<string>>; readAt: number }>();

  const load = (channelId: string): Promise<Set<string>> => {
    const now = deps.clock.now().getTime();
    const hit = cached.get(channelId);
    if (hit && now - hit.readAt < ttlMs) return hit.members;
    const members = deps.slack.channelMembers(channelId).then((ids) => new Set(ids));
    cached.delete(channelId);
    if (cached.size >= maxCachedChannels) cached.delete(cached.keys().next().value!);
    cached.set(channelId, { members, readAt: now });
    // A failed read is not cached: the next question asks Slack again.
    members.catch(() => {
      if (cached.get(channelId)?.members === members) cached.delete(channelId);
    });
    return members;
  };

  return {
    async isMember(channelId, userId) {
      try {
        return (await load(channelId)).has(userId);
      } catch (error) {
        deps.log.warn({ err: error, channelId }, "channel members unavailable; treating the person as outside");
        return false;
      }
    },
    forget(channelId) {
      cached.delete(channelId);
    },
  };
}
