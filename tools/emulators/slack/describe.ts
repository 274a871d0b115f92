import { blocksToText } from "./block-kit.ts";
import type { Block, SlackActivity, SlackView } from "./world.ts";

export type DescribeOptions = {
  /** Turns `<@U123>` into `@name`; ids are kept when absent or unknown. */
  userName?: (userId: string) => string | undefined;
  /** Turns `<#C123>` into `#name`. */
  channelName?: (channelId: string) => string | undefined;
  /** Longer lines are cut with an ellipsis; 240 unless told. */
  maxLength?: number;
};

/** One readable line per change in the emulated workspace, for the demo transcript. */
export function describeActivity(activity: SlackActivity, options: DescribeOptions = {}): string {
  const line = describe(activity, (content) => renderContent(content, options));
  return truncate(line, options.maxLength ?? 240);
}

type Content = {
  text?: string;
  blocks?: readonly Block[];
  attachments?: readonly unknown[];
  files?: ReadonlyArray<{ name: string }>;
};

function describe(activity: SlackActivity, render: (content: Content) => string): string {
  switch (activity.type) {
    case "channel_created":
      return `${activity.channel.label}  + created by @${activity.by.name}${activity.isPrivate ? " (private)" : ""}`;
    case "dm_opened":
      return `${activity.channel.label}  + conversation opened with ${mentionAll(activity.with)}`;
    case "members_joined":
      return activity.users.length === 1 && activity.users[0]?.id === activity.by.id
        ? `${activity.channel.label}  @${activity.by.name} joined`
        : `${activity.channel.label}  @${activity.by.name} added ${mentionAll(activity.users)}`;
    case "topic_set":
      return `${activity.channel.label}  @${activity.by.name} set the topic: ${render({ text: activity.value })}`;
    case "purpose_set":
      return `${activity.channel.label}  @${activity.by.name} set the purpose: ${render({ text: activity.value })}`;
    case "message_posted": {
      const { message } = activity;
      const isReply = message.thread_ts !== undefined && message.thread_ts !== message.ts;
      const prefix = isReply
        ? `  ↳ ${message.subtype === "thread_broadcast" ? "(also sent to channel) " : ""}`
        : "  ";
      return `${activity.channel.label}${prefix}@${activity.user.name}: ${render(message)}`;
    }
    case "message_updated":
      return `${activity.channel.label}  @${activity.user.name} (edited): ${render(activity.message)}`;
    case "message_deleted":
      return `${activity.channel.label}  @${activity.by.name} deleted message ${activity.ts}`;
    case "ephemeral_posted":
      return `${activity.channel.label}  (only @${activity.to.name} sees) ${render(activity.ephemeral)}`;
    case "ephemeral_updated":
      return `${activity.channel.label}  (only @${activity.to.name} sees, replaced) ${render(activity.ephemeral)}`;
    case "ephemeral_deleted":
      return `${activity.channel.label}  (only @${activity.to.name} saw) message removed`;
    case "view_opened":
    case "view_pushed":
    case "view_updated":
    case "view_closed":
      return `[modal${activity.to ? ` for @${activity.to.name}` : ""}] ${viewVerb[activity.type]} ${describeView(activity.view, render)}`;
    case "home_published":
      return `[home for @${activity.to.name}] ${describeView(activity.view, render)}`;
    case "message_pinned":
      return `${activity.channel.label}  @${activity.by.name} pinned message ${activity.ts}`;
    case "reaction_added":
      return `${activity.channel.label}  @${activity.by.name} reacted :${activity.name}: to ${activity.ts}`;
    case "file_shared":
      return `${activity.channel.label}  @${activity.by.name} shared file ${activity.file.name} (${activity.file.size} bytes)`;
  }
}

const viewVerb = {
  view_opened: "opened",
  view_pushed: "pushed",
  view_updated: "updated",
  view_closed: "closed",
} as const;

function describeView(view: SlackView, render: (content: Content) => string): string {
  const title = plainText(view.title);
  const body = render({ blocks: view.blocks });
  return title ? `"${title}": ${body}` : body;
}

function plainText(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const text = (value as { text?: unknown }).text;
  return typeof text === "string" ? text : undefined;
}

function mentionAll(users: ReadonlyArray<{ name: string }>): string {
  return users.map((user) => `@${user.name}`).join(", ");
}

/** What a person would read: the blocks when there are any, else the fallback text. */
function renderContent(content: Content, options: DescribeOptions): string {
  const fromBlocks =
    content.blocks && content.blocks.length > 0 ? blocksToText(content.blocks) : [];
  const fromAttachments = (content.attachments ?? []).flatMap(attachmentText);
  const fromFiles = (content.files ?? []).map((file) => `[file: ${file.name}]`);
  const parts = [
    ...(fromBlocks.length > 0 ? fromBlocks : [content.text ?? "", ...fromAttachments]),
    ...fromFiles,
  ];
  const joined = parts
    .filter((part) => part.trim() !== "")
    .join(" / ")
    .replace(/\s*\n+\s*/g, " / ");
  return humanizeMrkdwn(joined, options) || "(empty)";
}

function attachmentText(attachment: unknown): string[] {
  if (typeof attachment !== "object" || attachment === null) return [];
  const { blocks, text, fallback } = attachment as {
    blocks?: unknown;
    text?: unknown;
    fallback?: unknown;
  };
  if (Array.isArray(blocks)) return blocksToText(blocks as Block[]);
  if (typeof text === "string") return [text];
  return typeof fallback === "string" ? [fallback] : [];
}

/** Slack's `<@U…>`, `<#C…|name>`, `<!here>` and `<url|label>` escapes, as a client would show them. */
export function humanizeMrkdwn(text: string, options: DescribeOptions = {}): string {
  return text
    .replace(/<([^<>]+)>/g, (_whole, inner: string) => {
      const [target = "", label] = inner.split("|", 2);
      if (target.startsWith("@")) {
        const id = target.slice(1);
        return `@${label ?? options.userName?.(id) ?? id}`;
      }
      if (target.startsWith("#")) {
        const id = target.slice(1);
        return `#${label ?? options.channelName?.(id) ?? id}`;
      }
      if (target.startsWith("!subteam^")) return label ?? `@${target.slice("!subteam^".length)}`;
      if (target.startsWith("!date^")) return label ?? target;
      if (target.startsWith("!")) return `@${target.slice(1)}`;
      return label ?? target;
    })
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function truncate(line: string, maxLength: number): string {
  return line.length <= maxLength ? line : `${line.slice(0, Math.max(0, maxLength - 1))}…`;
}
