import type { HomeView, KnownBlock, View } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import type { ApiOutcome } from "../../core/metrics/metrics.ts";

/**
 * The Slack calls the domain needs, behind one narrow interface, so services
 * never import Bolt or the Web API client. `SlackCallError.code` carries
 * Slack's own error string (`name_taken`, `channel_not_found`…).
 */

export interface SlackMessage {
  text: string;
  blocks?: KnownBlock[];
}

/** Marks a message as the bot's delivery of one outbox entry (see slack/outbox.ts). */
export const postKeyEventType = "incident_bot_post";

export interface SlackGateway {
  createChannel(name: string, isPrivate: boolean): Promise<{ id: string; name: string }>;
  inviteToChannel(channelId: string, userIds: string[]): Promise<void>;
  setChannelTopic(channelId: string, topic: string): Promise<void>;
  postMessage(
    channelId: string,
    message: SlackMessage,
    options?: { threadTs?: string; postKey?: string },
  ): Promise<{ channelId: string; ts: string }>;
  /** The ts of a recent bot message carrying this post key, if Slack has one. */
  findPostedMessage(
    channelId: string,
    postKey: string,
    threadTs?: string,
  ): Promise<string | undefined>;
  updateMessage(channelId: string, ts: string, message: SlackMessage): Promise<void>;
  postEphemeral(channelId: string, userId: string, message: SlackMessage): Promise<void>;
  openView(triggerId: string, view: View): Promise<void>;
  findChannelIdByName(name: string): Promise<string | undefined>;
  userGroupMembers(groupId: string): Promise<string[]>;
  /** Everyone in a channel (conversations.members, every page). */
  channelMembers(channelId: string): Promise<string[]>;
  uploadFile(channelId: string, file: { filename: string; title: string; content: Buffer; comment?: string }): Promise<void>;
  /** The DM channel with a user (conversations.open), for posts that must be found again. */
  openDirectMessage(userId: string): Promise<string>;
  authTest(): Promise<{ userId: string; teamId: string }>;
  /** The App Home tab of one user (views.publish). */
  publishHome(userId: string, view: HomeView): Promise<void>;
  /** The user's display name (users.info): real name, else handle. */
  userName(userId: string): Promise<string | undefined>;
  /** The user's email (users.info; needs users:read.email), if Slack shares it. */
  userEmail(userId: string): Promise<string | undefined>;
  /** One message by its ts, top-level or in a thread, if the bot can read it. */
  getMessage(
    channelId: string,
    ts: string,
  ): Promise<{ ts: string; user?: string; text: string; threadTs?: string } | undefined>;
  permalink(channelId: string, ts: string): Promise<string>;
}

export class SlackCallError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    /** Set when Slack answered 429: how long it asked us to wait. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`Slack ${method} failed: ${code}`);
    this.name = "SlackCallError";
  }
}

/** `observe` hears of every call's outcome (the metrics of core/metrics). */
export function createSlackGateway(
  client: WebClient,
  observe: (method: string, outcome: ApiOutcome) => void = () => undefined,
): SlackGateway {
  const call = async <T>(method: string, run: () => Promise<T>): Promise<T> => {
    try {
      const result = await run();
      observe(method, "ok");
      return result;
    } catch (error) {
      const retryAfter = (error as { retryAfter?: number }).retryAfter;
      const code = slackErrorCode(error);
      observe(method, slackOutcome(code));
      throw new SlackCallError(method, code, retryAfter);
    }
  };

  return {
    createChannel: (name, isPrivate) =>
      call("conversations.create", async () => {
        const result = await client.conversations.create({ name, is_private: isPrivate });
        return { id: result.channel!.id!, name: result.channel!.name! };
      }),
    inviteToChannel: (channelId, userIds) =>
      call("conversations.invite", async () => {
        try {
          await client.conversations.invite({ channel: channelId, users: userIds.join(",") });
        } catch (error) {
          // Inviting someone who is already there is success for our purposes.
          if (slackErrorCode(error) !== "already_in_channel") throw error;
        }
      }),
    setChannelTopic: (channelId, topic) =>
      call("conversations.setTopic", async () => {
        await client.conversations.setTopic({ channel: channelId, topic });
      }),
    postMessage: (channelId, message, options) =>
      call("chat.postMessage", async () => {
        const result = await client.chat.postMessage({
          channel: channelId,
          text: message.text,
          ...(message.blocks ? { blocks: message.blocks } : {}),
          ...(options?.threadTs ? { thread_ts: options.threadTs } : {}),
          ...(options?.postKey
            ? {
                metadata: {
                  event_type: postKeyEventType,
                  event_payload: { post_key: options.postKey },
                },
              }
            : {}),
          unfurl_links: false,
          unfurl_media: false,
        });
        return { channelId: result.channel!, ts: result.ts! };
      }),
    findPostedMessage: (channelId, postKey, threadTs) =>
      call(threadTs ? "conversations.replies" : "conversations.history", async () => {
        // A retry happens within minutes of the lost attempt, so the latest
        // 200 messages are enough to find it.
        const result = threadTs
          ? await client.conversations.replies({
              channel: channelId,
              ts: threadTs,
              limit: 200,
              include_all_metadata: true,
            })
          : await client.conversations.history({
              channel: channelId,
              limit: 200,
              include_all_metadata: true,
            });
        const messages = (result.messages ?? []) as {
          ts?: string;
          metadata?: { event_type?: string; event_payload?: { post_key?: unknown } };
        }[];
        return messages.find(
          (message) =>
            message.metadata?.event_type === postKeyEventType &&
            message.metadata.event_payload?.post_key === postKey,
        )?.ts;
      }),
    updateMessage: (channelId, ts, message) =>
      call("chat.update", async () => {
        await client.chat.update({
          channel: channelId,
          ts,
          text: message.text,
          ...(message.blocks ? { blocks: message.blocks } : {}),
        });
      }),
    postEphemeral: (channelId, userId, message) =>
      call("chat.postEphemeral", async () => {
        await client.chat.postEphemeral({
          channel: channelId,
          user: userId,
          text: message.text,
          ...(message.blocks ? { blocks: message.blocks } : {}),
        });
      }),
    openView: (triggerId, view) =>
      call("views.open", async () => {
        await client.views.open({ trigger_id: triggerId, view });
      }),
    findChannelIdByName: (name) =>
      call("conversations.list", async () => {
        const wanted = name.replace(/^#/, "");
        for await (const page of client.paginate("conversations.list", {
          types: "public_channel,private_channel",
          exclude_archived: true,
          limit: 200,
        })) {
          const channels = (page as { channels?: { id?: string; name?: string }[] }).channels ?? [];
          const match = channels.find((channel) => channel.name === wanted);
          if (match?.id) return match.id;
        }
        return undefined;
      }),
    userGroupMembers: (groupId) =>
      call("usergroups.users.list", async () => {
        const result = await client.usergroups.users.list({ usergroup: groupId });
        return result.users ?? [];
      }),
    channelMembers: (channelId) =>
      call("conversations.members", async () => {
        const members: string[] = [];
        for await (const page of client.paginate("conversations.members", { channel: channelId, limit: 1000 })) {
          members.push(...((page as { members?: string[] }).members ?? []));
        }
        return members;
      }),
    uploadFile: (channelId, file) =>
      call("files.uploadV2", async () => {
        await client.filesUploadV2({
          channel_id: channelId,
          filename: file.filename,
          title: file.title,
          file: file.content,
          ...(file.comment ? { initial_comment: file.comment } : {}),
        });
      }),
    openDirectMessage: (userId) =>
      call("conversations.open", async () => {
        const result = await client.conversations.open({ users: userId });
        return result.channel!.id!;
      }),
    authTest: () =>
      call("auth.test", async () => {
        const result = await client.auth.test();
        return { userId: result.user_id!, teamId: result.team_id! };
      }),
    publishHome: (userId, view) =>
      call("views.publish", async () => {
        await client.views.publish({ user_id: userId, view });
      }),
    userName: (userId) =>
      call("users.info", async () => {
        const result = await client.users.info({ user: userId });
        return result.user?.profile?.real_name || result.user?.real_name || result.user?.name || undefined;
      }),
    userEmail: (userId) =>
      call("users.info", async () => {
        const result = await client.users.info({ user: userId });
        return result.user?.profile?.email || undefined;
      }),
    getMessage: (channelId, ts) =>
      call("conversations.history", async () => {
        const history = await client.conversations.history({ channel: channelId, latest: ts, inclusive: true, limit: 1 });
        let found = history.messages?.find((message) => message.ts === ts);
        if (!found) {
          // A reply in a thread is not in the channel's history; replies() finds it by its own ts.
          const replies = await client.conversations.replies({ channel: channelId, ts, limit: 1 }).catch(() => undefined);
          found = replies?.messages?.find((message) => message.ts === ts);
        }
        if (!found?.ts) return undefined;
        return {
          ts: found.ts,
          text: found.text ?? "",
          ...(found.user ? { user: found.user } : {}),
          // A reply's thread is its parent's; a parent's thread_ts is its own ts.
          ...(found.thread_ts ? { threadTs: found.thread_ts } : {}),
        };
      }),
    permalink: (channelId, ts) =>
      call("chat.getPermalink", async () => {
        const result = await client.chat.getPermalink({ channel: channelId, message_ts: ts });
        return result.permalink!;
      }),
  };
}

function slackOutcome(code: string): ApiOutcome {
  if (code === "rate_limited" || code === "ratelimited" || code === "http_429") return "rate_limited";
  if (/^http_5\d\d$/.test(code)) return "server_error";
  if (code === "request_failed") return "unreachable";
  return "error";
}

/** Slack's error string from a Web API client error, or a short description. */
export function slackErrorCode(error: unknown): string {
  const candidate = error as { code?: string; data?: { error?: string }; statusCode?: number };
  if (candidate?.data?.error) return candidate.data.error;
  if (candidate?.code === "slack_webapi_rate_limited_error") return "rate_limited";
  if (candidate?.code === "slack_webapi_http_error")
    return `http_${candidate.statusCode ?? "error"}`;
  if (candidate?.code === "slack_webapi_request_error") return "request_failed";
  return candidate?.code ?? "unknown_error";
}
