import {
  type ArgReader,
  decodeCursor,
  encodeCursor,
  fail,
  failWithMessages,
  paginate,
} from "./args.ts";
import { type BlockSurface, findBlockProblems } from "./block-kit.ts";
import type {
  Block,
  SlackChannel,
  SlackFile,
  SlackMessage,
  SlackUser,
  SlackView,
  ViewPayload,
  World,
} from "./world.ts";

export type MethodContext = {
  world: World;
  args: ArgReader;
  /** Where the emulator is reachable, for upload URLs and permalinks. */
  baseUrl: string;
  triggerIdTtlMs: number | undefined;
  /** Issues a single-use Socket Mode ticket and returns its WebSocket URL. */
  openSocketModeConnection: () => string;
};

export type MethodResult = Record<string, unknown>;
export type MethodHandler = (context: MethodContext) => MethodResult;

const maxTextLength = 40_000;
const maxTopicLength = 250;
const maxChannelNameLength = 80;
const modalStackLimit = 3;

// ── Shapes returned to clients ─────────────────────────────────────────

function apiChannel(world: World, channel: SlackChannel, includeNumMembers = false): MethodResult {
  const { members, ...fields } = channel;
  return {
    ...fields,
    is_group: false,
    is_shared: false,
    is_ext_shared: false,
    is_org_shared: false,
    is_member: members.includes(world.bot.id),
    name_normalized: channel.name,
    context_team_id: world.team.id,
    shared_team_ids: [world.team.id],
    ...(includeNumMembers ? { num_members: members.length } : {}),
  };
}

function apiMessage(world: World, message: SlackMessage): MethodResult {
  const { editCount: _editCount, channel: _channel, ...fields } = message;
  return { ...fields, team: world.team.id };
}

function apiUser(world: World, user: SlackUser): MethodResult {
  return {
    id: user.id,
    team_id: user.team_id,
    name: user.name,
    real_name: user.real_name,
    deleted: user.deleted,
    is_bot: user.is_bot,
    is_app_user: false,
    is_admin: false,
    is_owner: false,
    tz: user.tz,
    tz_label: user.tz,
    tz_offset: timeZoneOffsetSeconds(user.tz, world.now()),
    updated: world.nowSeconds(),
    profile: {
      real_name: user.real_name,
      real_name_normalized: user.real_name,
      display_name: user.name,
      display_name_normalized: user.name,
      team: user.team_id,
      ...(user.email ? { email: user.email } : {}),
      ...(user.bot_id ? { bot_id: user.bot_id } : {}),
    },
  };
}

function apiView(view: SlackView): MethodResult {
  const { user: _user, ...fields } = view;
  return fields;
}

function apiFile(context: MethodContext, file: SlackFile): MethodResult {
  const { baseUrl, world } = context;
  const publicChannels = file.channels.filter((id) => !world.channel(id)?.is_private);
  const privateChannels = file.channels.filter((id) => world.channel(id)?.is_private);
  return {
    id: file.id,
    created: file.created,
    timestamp: file.created,
    name: file.name,
    title: file.title,
    mimetype: file.mimetype,
    filetype: file.filetype,
    pretty_type: file.filetype.toUpperCase(),
    user: file.user,
    user_team: world.team.id,
    editable: false,
    size: file.size,
    mode: "hosted",
    is_external: false,
    is_public: publicChannels.length > 0,
    public_url_shared: false,
    display_as_bot: false,
    url_private: `${baseUrl}/files/${file.id}/${encodeURIComponent(file.name)}`,
    url_private_download: `${baseUrl}/files/${file.id}/${encodeURIComponent(file.name)}?download=1`,
    permalink: `${baseUrl}/files/${file.user}/${file.id}/${encodeURIComponent(file.name)}`,
    channels: publicChannels.filter((id) => !world.channel(id)?.is_im),
    groups: privateChannels.filter((id) => !world.channel(id)?.is_im),
    ims: file.channels.filter((id) => world.channel(id)?.is_im),
    ...(file.alt_text !== undefined ? { alt_txt: file.alt_text } : {}),
  };
}

function timeZoneOffsetSeconds(timeZone: string, atMs: number): number {
  try {
    const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
      .formatToParts(atMs)
      .find((part) => part.type === "timeZoneName")?.value;
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? "");
    if (!match) return 0;
    const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60;
    return match[1] === "-" ? -seconds : seconds;
  } catch {
    return 0;
  }
}

// ── Lookups shared by several methods ──────────────────────────────────

function findChannel(world: World, reference: string): SlackChannel | undefined {
  return world.channel(reference) ?? world.channelByName(reference);
}

/** Private channels the bot is not in do not exist as far as the bot can tell. */
function botCanSee(world: World, channel: SlackChannel): boolean {
  return !channel.is_private || channel.members.includes(world.bot.id);
}

function visibleChannel(context: MethodContext, argument = "channel"): SlackChannel {
  const reference = context.args.requiredString(argument, "channel_not_found");
  const channel = findChannel(context.world, reference);
  if (!channel || !botCanSee(context.world, channel)) fail("channel_not_found");
  return channel;
}

function requireBotMember(world: World, channel: SlackChannel): void {
  if (!channel.members.includes(world.bot.id)) fail("not_in_channel");
}

function requireNotArchived(channel: SlackChannel): void {
  if (channel.is_archived) fail("is_archived");
}

function requireUser(world: World, userId: string): SlackUser {
  const user = world.user(userId);
  if (!user) fail("user_not_found");
  return user;
}

/** The message `ts` names in a channel the bot sees; only the bot's own, else `refusal`. */
function botMessage(
  context: MethodContext,
  refusal: string,
): { channel: SlackChannel; ts: string; message: SlackMessage } {
  const { world, args } = context;
  const channel = visibleChannel(context);
  const ts = args.requiredString("ts", "message_not_found");
  const message = requireMessage(world, channel, ts);
  if (message.user !== world.bot.id) fail(refusal);
  return { channel, ts, message };
}

function requireMessage(world: World, channel: SlackChannel, ts: string): SlackMessage {
  const message = world.message(channel.id, ts);
  if (!message) fail("message_not_found");
  return message;
}

/** A reply to a reply lands in the parent's thread, as in Slack. */
function resolveThreadRoot(world: World, channel: SlackChannel, threadTs: string | undefined) {
  if (threadTs === undefined) return undefined;
  const target = world.message(channel.id, threadTs);
  if (!target) fail("thread_not_found");
  return target.thread_ts ?? target.ts;
}

function compareTs(left: string, right: string): number {
  const [leftSeconds = "0", leftFraction = ""] = left.split(".");
  const [rightSeconds = "0", rightFraction = ""] = right.split(".");
  const bySeconds = Number(leftSeconds) - Number(rightSeconds);
  if (bySeconds !== 0) return bySeconds;
  return leftFraction.padEnd(6, "0").localeCompare(rightFraction.padEnd(6, "0"));
}

type MessageContent = { text?: string; blocks?: Block[]; attachments?: unknown[] };

function readBlocks(args: ArgReader, surface: BlockSurface): Block[] | undefined {
  if (!args.has("blocks")) return undefined;
  const blocks = args.json("blocks", "invalid_blocks_format");
  if (!Array.isArray(blocks)) fail("invalid_blocks_format");
  const problems = findBlockProblems(blocks, surface);
  if (problems.length > 0) failWithMessages("invalid_blocks", problems);
  return blocks as Block[];
}

function readMessageContent(args: ArgReader): MessageContent {
  const content: MessageContent = {};
  const text = args.string("text");
  if (text !== undefined) {
    if (text.length > maxTextLength) fail("msg_too_long");
    content.text = text;
  }
  const blocks = readBlocks(args, "message");
  if (blocks) content.blocks = blocks;
  if (args.has("attachments")) {
    const attachments = args.json("attachments", "invalid_attachments");
    if (!Array.isArray(attachments)) fail("invalid_attachments");
    content.attachments = attachments;
  }
  return content;
}

function requireSomeContent(content: MessageContent): void {
  const empty =
    (content.text === undefined || content.text.trim() === "") &&
    (content.blocks?.length ?? 0) === 0 &&
    (content.attachments?.length ?? 0) === 0;
  if (empty) fail("no_text");
}

// ── auth, team, apps ───────────────────────────────────────────────────

function authTest({ world, baseUrl }: MethodContext): MethodResult {
  return {
    url: `${baseUrl}/`,
    team: world.team.name,
    user: world.bot.name,
    team_id: world.team.id,
    user_id: world.bot.id,
    bot_id: world.bot.bot_id,
    app_id: world.appId,
    is_enterprise_install: false,
  };
}

function teamInfo({ world }: MethodContext): MethodResult {
  return {
    team: {
      ...world.team,
      icon: { image_default: true },
      is_verified: false,
    },
  };
}

/** Socket Mode's handshake: a WebSocket URL the client opens next (see socket-mode.ts). */
function appsConnectionsOpen({ openSocketModeConnection }: MethodContext): MethodResult {
  return { url: openSocketModeConnection() };
}

// ── conversations.* ───────────────────────────────────────────────────

function conversationsCreate(context: MethodContext): MethodResult {
  const { world, args } = context;
  const name = args.string("name");
  if (name === undefined || name.trim() === "") fail("invalid_name_required");
  if (name.length > maxChannelNameLength) fail("invalid_name_maxlength");
  if (!/^[a-z0-9_-]+$/.test(name)) fail("invalid_name_specials");
  if (/^[-_]+$/.test(name)) fail("invalid_name_punctuation");
  if (world.channelByName(name)) fail("name_taken");
  const channel = world.createChannel({
    name,
    isPrivate: args.boolean("is_private") ?? false,
    creator: world.bot.id,
  });
  return { channel: apiChannel(world, channel) };
}

function conversationsInvite(context: MethodContext): MethodResult {
  const { world, args } = context;
  const channel = visibleChannel(context);
  if (channel.is_im || channel.is_mpim) fail("method_not_supported_for_channel_type");
  requireNotArchived(channel);
  requireBotMember(world, channel);
  const userIds = args.list("users");
  if (userIds.length === 0) fail("no_user");
  if (userIds.length > 1000) fail("too_many_users");
  if (userIds.includes(world.bot.id)) fail("cant_invite_self");
  for (const userId of userIds) {
    const user = requireUser(world, userId);
    if (user.deleted) fail("user_is_deactivated");
  }
  if (userIds.every((userId) => channel.members.includes(userId))) fail("already_in_channel");
  world.addMembers(channel.id, userIds, world.bot.id);
  return { channel: apiChannel(world, channel) };
}

function conversationsJoin(context: MethodContext): MethodResult {
  const { world } = context;
  const channel = visibleChannel(context);
  if (channel.is_im || channel.is_mpim) fail("method_not_supported_for_channel_type");
  requireNotArchived(channel);
  if (channel.members.includes(world.bot.id)) {
    return {
      channel: apiChannel(world, channel),
      warning: "already_in_channel",
      response_metadata: { warnings: ["already_in_channel"] },
    };
  }
  world.addMembers(channel.id, [world.bot.id], world.bot.id);
  return { channel: apiChannel(world, channel) };
}

function conversationsArchive(context: MethodContext): MethodResult {
  const { world } = context;
  const channel = visibleChannel(context);
  if (channel.is_im) fail("method_not_supported_for_channel_type");
  if (channel.is_general) fail("cant_archive_general");
  if (channel.is_archived) fail("already_archived");
  requireBotMember(world, channel);
  world.archiveChannel(channel.id);
  return {};
}

function conversationsInfo(context: MethodContext): MethodResult {
  const channel = visibleChannel(context);
  const includeNumMembers = context.args.boolean("include_num_members") ?? false;
  return { channel: apiChannel(context.world, channel, includeNumMembers) };
}

const conversationTypes = ["public_channel", "private_channel", "mpim", "im"] as const;
type ConversationType = (typeof conversationTypes)[number];

function conversationTypeOf(channel: SlackChannel): ConversationType {
  if (channel.is_im) return "im";
  if (channel.is_mpim) return "mpim";
  return channel.is_private ? "private_channel" : "public_channel";
}

function conversationsList(context: MethodContext): MethodResult {
  const { world, args } = context;
  const requested = args.list("types");
  const types = requested.length > 0 ? requested : ["public_channel"];
  if (!types.every((type) => (conversationTypes as readonly string[]).includes(type))) {
    fail("invalid_types");
  }
  const excludeArchived = args.boolean("exclude_archived") ?? false;
  const matching = world
    .channels()
    .filter((channel) => types.includes(conversationTypeOf(channel)))
    .filter((channel) => botCanSee(world, channel))
    .filter((channel) => !(excludeArchived && channel.is_archived));
  const page = paginate(matching, args, { defaultLimit: 100, maxLimit: 1000 });
  return {
    channels: page.items.map((channel) => apiChannel(world, channel)),
    response_metadata: { next_cursor: page.nextCursor },
  };
}

function conversationsMembers(context: MethodContext): MethodResult {
  const channel = visibleChannel(context);
  const page = paginate(channel.members, context.args, { defaultLimit: 100, maxLimit: 1000 });
  return { members: page.items, response_metadata: { next_cursor: page.nextCursor } };
}

function setChannelText(context: MethodContext, field: "topic" | "purpose"): MethodResult {
  const { world, args } = context;
  const channel = visibleChannel(context);
  requireNotArchived(channel);
  requireBotMember(world, channel);
  const value = args.string(field) ?? "";
  if (value.length > maxTopicLength) fail("too_long");
  world.setChannelText(channel.id, field, value, world.bot.id);
  return { channel: apiChannel(world, channel) };
}

function readableChannel(context: MethodContext): SlackChannel {
  const channel = visibleChannel(context);
  requireBotMember(context.world, channel);
  return channel;
}

function historyLimit(args: ArgReader): number {
  const requested = args.integer("limit") ?? 0;
  return requested <= 0 ? 100 : Math.min(requested, 999);
}

function withinBounds(args: ArgReader): (message: SlackMessage) => boolean {
  const oldest = args.string("oldest");
  const latest = args.string("latest");
  const inclusive = args.boolean("inclusive") ?? false;
  return (message) => {
    if (oldest !== undefined) {
      const order = compareTs(message.ts, oldest);
      if (order < 0 || (order === 0 && !inclusive)) return false;
    }
    if (latest !== undefined) {
      const order = compareTs(message.ts, latest);
      if (order > 0 || (order === 0 && !inclusive)) return false;
    }
    return true;
  };
}

function conversationsHistory(context: MethodContext): MethodResult {
  const { world, args } = context;
  const channel = readableChannel(context);
  const cursor = args.string("cursor");
  const before = cursor === undefined ? undefined : decodeCursor(cursor, "before");
  const newestFirst = world
    .messages(channel.id)
    .reverse()
    .filter(withinBounds(args))
    .filter((message) => before === undefined || compareTs(message.ts, before) < 0);
  const limit = historyLimit(args);
  const page = newestFirst.slice(0, limit);
  const hasMore = newestFirst.length > limit;
  const last = page.at(-1);
  return {
    messages: page.map((message) => apiMessage(world, message)),
    has_more: hasMore,
    pin_count: world.pins(channel.id).length,
    response_metadata: { next_cursor: hasMore && last ? encodeCursor(`before:${last.ts}`) : "" },
  };
}

function conversationsReplies(context: MethodContext): MethodResult {
  const { world, args } = context;
  const channel = readableChannel(context);
  const ts = args.requiredString("ts");
  const target = world.message(channel.id, ts);
  if (!target) fail("thread_not_found");
  const rootTs = target.thread_ts ?? target.ts;
  const root = world.message(channel.id, rootTs);
  const cursor = args.string("cursor");
  const after = cursor === undefined ? undefined : decodeCursor(cursor, "after");
  const replies = world
    .threadReplies(channel.id, rootTs)
    .filter(withinBounds(args))
    .filter((message) => after === undefined || compareTs(message.ts, after) > 0);
  const limit = historyLimit(args);
  const page = replies.slice(0, limit);
  const hasMore = replies.length > limit;
  const last = page.at(-1);
  const thread = after === undefined && root ? [root, ...page] : page;
  return {
    messages: thread.map((message) => apiMessage(world, message)),
    has_more: hasMore,
    response_metadata: { next_cursor: hasMore && last ? encodeCursor(`after:${last.ts}`) : "" },
  };
}

function conversationsOpen(context: MethodContext): MethodResult {
  const { world, args } = context;
  const returnIm = args.boolean("return_im") ?? false;
  const channelId = args.string("channel");
  if (channelId !== undefined) {
    const channel = world.channel(channelId);
    if (!channel || !(channel.is_im || channel.is_mpim) || !botCanSee(world, channel)) {
      fail("channel_not_found");
    }
    return {
      channel: returnIm ? apiChannel(world, channel) : { id: channel.id },
      already_open: true,
    };
  }
  const userIds = args.list("users").filter((id) => id !== world.bot.id);
  if (userIds.length === 0) fail("users_list_not_supplied");
  if (userIds.length > 8) fail("too_many_users");
  for (const userId of userIds) requireUser(world, userId);
  const { channel, alreadyOpen } = world.openDirectMessage(userIds);
  return {
    channel: returnIm ? apiChannel(world, channel) : { id: channel.id },
    ...(alreadyOpen ? { no_op: true, already_open: true } : {}),
  };
}

// ── chat.* ────────────────────────────────────────────────────────────

/**
 * `chat.postMessage` to a user id posts in the bot's DM with that user. The DM is only opened once
 * every argument has been validated, so a rejected call leaves no channel behind.
 */
function findPostTarget(context: MethodContext): SlackChannel | { dmWith: SlackUser } {
  const { world, args } = context;
  const reference = args.requiredString("channel", "channel_not_found");
  if (/^[UW][A-Z0-9]+$/.test(reference)) {
    const user = world.user(reference);
    if (!user || user.is_bot) fail("channel_not_found");
    return world.dmWith(user.id) ?? { dmWith: user };
  }
  const channel = visibleChannel(context);
  requireNotArchived(channel);
  return channel;
}

function chatPostMessage(context: MethodContext): MethodResult {
  const { world, args } = context;
  const target = findPostTarget(context);
  const content = readMessageContent(args);
  requireSomeContent(content);
  const requestedThreadTs = args.string("thread_ts");
  if ("dmWith" in target && requestedThreadTs !== undefined) fail("thread_not_found");
  const threadTs =
    "dmWith" in target ? undefined : resolveThreadRoot(world, target, requestedThreadTs);
  const channel = "dmWith" in target ? world.openDirectMessage([target.dmWith.id]).channel : target;
  const message = world.postMessage({
    channel: channel.id,
    user: world.bot.id,
    text: content.text ?? "",
    ...(content.blocks ? { blocks: content.blocks } : {}),
    ...(content.attachments ? { attachments: content.attachments } : {}),
    ...(threadTs !== undefined
      ? { threadTs, broadcast: args.boolean("reply_broadcast") ?? false }
      : {}),
    ...(args.has("metadata") ? { metadata: args.json("metadata") } : {}),
  });
  return { channel: channel.id, ts: message.ts, message: apiMessage(world, message) };
}

function chatUpdate(context: MethodContext): MethodResult {
  const { world, args } = context;
  const { channel, ts } = botMessage(context, "cant_update_message");
  const content = readMessageContent(args);
  if (
    content.text === undefined &&
    content.blocks === undefined &&
    content.attachments === undefined
  ) {
    fail("no_text");
  }
  const updated = world.editMessage(channel.id, ts, content, world.bot.id);
  return {
    channel: channel.id,
    ts: updated.ts,
    text: updated.text,
    message: apiMessage(world, updated),
  };
}

function chatPostEphemeral(context: MethodContext): MethodResult {
  const { world, args } = context;
  const channel = visibleChannel(context);
  requireNotArchived(channel);
  const userId = args.requiredString("user", "user_not_found");
  requireUser(world, userId);
  if (!channel.members.includes(userId)) fail("user_not_in_channel");
  const content = readMessageContent(args);
  requireSomeContent(content);
  const threadTs = args.string("thread_ts");
  const ephemeral = world.postEphemeral({
    channel: channel.id,
    user: userId,
    text: content.text ?? "",
    ...(content.blocks ? { blocks: content.blocks } : {}),
    ...(threadTs !== undefined ? { threadTs } : {}),
    source: "chat.postEphemeral",
  });
  return { message_ts: ephemeral.ts };
}

function chatDelete(context: MethodContext): MethodResult {
  const { world } = context;
  const { channel, ts } = botMessage(context, "cant_delete_message");
  world.deleteMessage(channel.id, ts, world.bot.id);
  return { channel: channel.id, ts };
}

function chatGetPermalink(context: MethodContext): MethodResult {
  const { world, args, baseUrl } = context;
  const channel = visibleChannel(context);
  const ts = args.requiredString("message_ts", "message_not_found");
  const message = requireMessage(world, channel, ts);
  const base = `${baseUrl}/archives/${channel.id}/p${ts.replace(".", "")}`;
  const inThread = message.thread_ts !== undefined && message.thread_ts !== message.ts;
  return {
    channel: channel.id,
    permalink: inThread ? `${base}?thread_ts=${message.thread_ts}&cid=${channel.id}` : base,
  };
}

// ── views.* ───────────────────────────────────────────────────────────

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function plainTextProblems(view: Record<string, unknown>, field: string, max: number): string[] {
  const value = view[field];
  if (value === undefined) return [];
  if (!isRecord(value) || value.type !== "plain_text" || typeof value.text !== "string") {
    return [`[ERROR] must be a plain_text object [json-pointer:/view/${field}]`];
  }
  return value.text.length > max
    ? [`[ERROR] must be less than ${max + 1} characters [json-pointer:/view/${field}/text]`]
    : [];
}

function readViewPayload(args: ArgReader, allowedTypes: readonly string[]): ViewPayload {
  const view = args.json("view");
  if (!isRecord(view))
    failWithMessages("invalid_arguments", ["[ERROR] missing required field: view"]);
  const type = view.type;
  if (typeof type !== "string" || !allowedTypes.includes(type)) {
    failWithMessages("invalid_arguments", [
      `[ERROR] must be one of ${allowedTypes.join(", ")} [json-pointer:/view/type]`,
    ]);
  }
  const blocks = view.blocks;
  if (!Array.isArray(blocks)) {
    failWithMessages("invalid_arguments", [
      "[ERROR] missing required field: blocks [json-pointer:/view]",
    ]);
  }
  const problems = findBlockProblems(blocks, type === "home" ? "home" : "modal").map((problem) =>
    problem.replace("[json-pointer:/blocks", "[json-pointer:/view/blocks"),
  );
  if (type === "modal") {
    if (view.title === undefined)
      problems.push("[ERROR] missing required field: title [json-pointer:/view]");
    problems.push(...plainTextProblems(view, "title", 24));
    problems.push(...plainTextProblems(view, "submit", 24));
    problems.push(...plainTextProblems(view, "close", 24));
    const hasInput = blocks.some((block) => isRecord(block) && block.type === "input");
    if (hasInput && view.submit === undefined) {
      problems.push(
        "[ERROR] submit is required when an input block is present [json-pointer:/view]",
      );
    }
  }
  if (typeof view.private_metadata === "string" && view.private_metadata.length > 3000) {
    problems.push(
      "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]",
    );
  }
  if (problems.length > 0) failWithMessages("invalid_arguments", problems);
  return view as ViewPayload;
}

function requireFreshExternalId(world: World, payload: ViewPayload, except?: SlackView): void {
  const externalId = typeof payload.external_id === "string" ? payload.external_id : "";
  const holder = world.viewByExternalId(externalId);
  if (holder && holder.id !== except?.id) fail("duplicate_external_id");
}

function consumeTrigger(context: MethodContext, triggerId: string): string | undefined {
  const outcome = context.world.consumeTriggerId(triggerId, context.triggerIdTtlMs);
  if (!outcome.ok) fail(outcome.error);
  return outcome.userId;
}

function viewsOpen(context: MethodContext): MethodResult {
  const { world, args } = context;
  const triggerId = args.requiredString("trigger_id");
  const payload = readViewPayload(args, ["modal"]);
  requireFreshExternalId(world, payload);
  const userId = consumeTrigger(context, triggerId);
  const view = world.openView(payload, userId ? { userId } : {});
  return { view: apiView(view) };
}

function viewsPush(context: MethodContext): MethodResult {
  const { world, args } = context;
  const triggerId = args.requiredString("trigger_id");
  const payload = readViewPayload(args, ["modal"]);
  requireFreshExternalId(world, payload);
  const parent = world.topModalFor(world.peekTrigger(triggerId)?.userId);
  if (parent?.root_view_id && world.modalStack(parent.root_view_id).length >= modalStackLimit) {
    fail("push_limit_reached");
  }
  const userId = consumeTrigger(context, triggerId) ?? parent?.user;
  const view = world.openView(payload, {
    ...(userId ? { userId } : {}),
    ...(parent ? { parent } : {}),
  });
  return { view: apiView(view) };
}

function viewsUpdate(context: MethodContext): MethodResult {
  const { world, args } = context;
  const viewId = args.string("view_id");
  const externalId = args.string("external_id");
  if (viewId === undefined && externalId === undefined) {
    failWithMessages("invalid_arguments", ["[ERROR] either view_id or external_id is required"]);
  }
  const existing =
    viewId !== undefined ? world.view(viewId) : world.viewByExternalId(externalId ?? "");
  if (!existing) fail("not_found");
  const hash = args.string("hash");
  if (hash !== undefined && hash !== existing.hash) fail("hash_conflict");
  const payload = readViewPayload(args, [existing.type]);
  requireFreshExternalId(world, payload, existing);
  return { view: apiView(world.updateView(existing, payload)) };
}

function viewsPublish(context: MethodContext): MethodResult {
  const { world, args } = context;
  const userId = args.requiredString("user_id");
  requireUser(world, userId);
  const payload = readViewPayload(args, ["home"]);
  const hash = args.string("hash");
  const current = world.homeTabs.get(userId);
  if (hash !== undefined && current && hash !== current.hash) fail("hash_conflict");
  return { view: apiView(world.publishHome(userId, payload)) };
}

// ── users.*, usergroups.* ──────────────────────────────────────────────

function usersInfo(context: MethodContext): MethodResult {
  const userId = context.args.requiredString("user", "user_not_found");
  return { user: apiUser(context.world, requireUser(context.world, userId)) };
}

function usersLookupByEmail(context: MethodContext): MethodResult {
  const email = context.args.requiredString("email", "users_not_found");
  const user = context.world.userByEmail(email);
  if (!user) fail("users_not_found");
  return { user: apiUser(context.world, user) };
}

function usersList(context: MethodContext): MethodResult {
  const { world, args } = context;
  const page = paginate(world.users(), args, { defaultLimit: 1000, maxLimit: 1000 });
  return {
    members: page.items.map((user) => apiUser(world, user)),
    cache_ts: world.nowSeconds(),
    response_metadata: { next_cursor: page.nextCursor },
  };
}

function usergroupsUsersList(context: MethodContext): MethodResult {
  const groupId = context.args.requiredString("usergroup", "no_such_subteam");
  const group = context.world.userGroup(groupId);
  if (!group) fail("no_such_subteam");
  return { users: [...group.users] };
}

function usergroupsList(context: MethodContext): MethodResult {
  const includeUsers = context.args.boolean("include_users") ?? false;
  return {
    usergroups: context.world.userGroups().map(({ users, ...group }) => ({
      ...group,
      user_count: users.length,
      ...(includeUsers ? { users: [...users] } : {}),
    })),
  };
}

// ── pins.*, reactions.* ─────────────────────────────────────────────────

function pinsAdd(context: MethodContext): MethodResult {
  const { world, args } = context;
  const channel = visibleChannel(context);
  requireBotMember(world, channel);
  const ts = args.requiredString("timestamp", "no_item_specified");
  const message = requireMessage(world, channel, ts);
  if (message.pinned_to?.includes(channel.id)) fail("already_pinned");
  world.pin(channel.id, ts, world.bot.id);
  return {};
}

function pinsList(context: MethodContext): MethodResult {
  const { world } = context;
  const channel = visibleChannel(context);
  return {
    items: world.pins(channel.id).map((message) => ({
      type: "message",
      channel: channel.id,
      created_by: world.bot.id,
      message: apiMessage(world, message),
    })),
  };
}

function reactionsAdd(context: MethodContext): MethodResult {
  const { world, args } = context;
  const channel = visibleChannel(context);
  const name = args.requiredString("name", "invalid_name").replace(/^:|:$/g, "");
  if (!/^[a-z0-9_+'-]+(::skin-tone-\d)?$/.test(name)) fail("invalid_name");
  const ts = args.requiredString("timestamp", "no_item_specified");
  const message = requireMessage(world, channel, ts);
  const reaction = message.reactions?.find((candidate) => candidate.name === name);
  if (reaction?.users.includes(world.bot.id)) fail("already_reacted");
  world.addReaction(channel.id, ts, name, world.bot.id);
  return {};
}

// ── files.* ───────────────────────────────────────────────────────────

function filesGetUploadUrlExternal(context: MethodContext): MethodResult {
  const { world, args, baseUrl } = context;
  const filename = args.requiredString("filename");
  const length = args.integer("length");
  if (length === undefined || length <= 0) {
    failWithMessages("invalid_arguments", ["[ERROR] missing required field: length"]);
  }
  const altText = args.string("alt_text");
  const snippetType = args.string("snippet_type");
  const file = world.reserveFile({
    filename,
    length,
    user: world.bot.id,
    ...(altText !== undefined ? { altText } : {}),
    ...(snippetType !== undefined ? { snippetType } : {}),
  });
  return { upload_url: `${baseUrl}/upload/${file.id}`, file_id: file.id };
}

function filesCompleteUploadExternal(context: MethodContext): MethodResult {
  const { world, args } = context;
  const entries = args.json("files");
  if (!Array.isArray(entries) || entries.length === 0) {
    failWithMessages("invalid_arguments", ["[ERROR] missing required field: files"]);
  }
  const files = entries.map((entry) => {
    const id = isRecord(entry) && typeof entry.id === "string" ? entry.id : undefined;
    const file = id === undefined ? undefined : world.file(id);
    if (!file || file.bytes === undefined) fail("file_not_found");
    const title = isRecord(entry) && typeof entry.title === "string" ? entry.title : undefined;
    return { file, ...(title !== undefined ? { title } : {}) };
  });
  const channelReference = args.string("channel_id") ?? args.list("channels")[0];
  let channel: SlackChannel | undefined;
  if (channelReference !== undefined) {
    channel = findChannel(world, channelReference);
    if (!channel || !botCanSee(world, channel)) fail("channel_not_found");
    requireNotArchived(channel);
  }
  const threadTs = channel
    ? resolveThreadRoot(world, channel, args.string("thread_ts"))
    : undefined;
  const blocks = readBlocks(args, "message");
  const initialComment = args.string("initial_comment");
  world.shareFiles({
    files,
    by: world.bot.id,
    ...(channel ? { channel: channel.id } : {}),
    ...(initialComment !== undefined ? { initialComment } : {}),
    ...(threadTs !== undefined ? { threadTs } : {}),
    ...(blocks ? { blocks } : {}),
  });
  return { files: files.map(({ file }) => apiFile(context, file)) };
}

function filesInfo(context: MethodContext): MethodResult {
  const fileId = context.args.requiredString("file", "file_not_found");
  const file = context.world.file(fileId);
  if (!file || file.bytes === undefined) fail("file_not_found");
  return { file: apiFile(context, file) };
}

/** Every Web API method the emulator answers; anything else is `unknown_method`, as on Slack. */
export const methods: Readonly<Record<string, MethodHandler>> = {
  "apps.connections.open": appsConnectionsOpen,
  "auth.test": authTest,
  "team.info": teamInfo,
  "conversations.archive": conversationsArchive,
  "conversations.create": conversationsCreate,
  "conversations.history": conversationsHistory,
  "conversations.info": conversationsInfo,
  "conversations.invite": conversationsInvite,
  "conversations.join": conversationsJoin,
  "conversations.list": conversationsList,
  "conversations.members": conversationsMembers,
  "conversations.open": conversationsOpen,
  "conversations.replies": conversationsReplies,
  "conversations.setPurpose": (context) => setChannelText(context, "purpose"),
  "conversations.setTopic": (context) => setChannelText(context, "topic"),
  "chat.delete": chatDelete,
  "chat.getPermalink": chatGetPermalink,
  "chat.postEphemeral": chatPostEphemeral,
  "chat.postMessage": chatPostMessage,
  "chat.update": chatUpdate,
  "views.open": viewsOpen,
  "views.publish": viewsPublish,
  "views.push": viewsPush,
  "views.update": viewsUpdate,
  "users.info": usersInfo,
  "users.list": usersList,
  "users.lookupByEmail": usersLookupByEmail,
  "usergroups.list": usergroupsList,
  "usergroups.users.list": usergroupsUsersList,
  "pins.add": pinsAdd,
  "pins.list": pinsList,
  "reactions.add": reactionsAdd,
  "files.completeUploadExternal": filesCompleteUploadExternal,
  "files.getUploadURLExternal": filesGetUploadUrlExternal,
  "files.info": filesInfo,
};
