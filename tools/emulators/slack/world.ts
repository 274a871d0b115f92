import { randomBytes } from "node:crypto";

/** A Block Kit block as Slack stores it; the emulator only relies on `type`. */
export type Block = { type: string; [field: string]: unknown };

export type SlackUser = {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  email?: string;
  is_bot: boolean;
  tz: string;
  deleted: boolean;
  bot_id?: string;
};

export type ChannelText = { value: string; creator: string; last_set: number };

export type SlackChannel = {
  id: string;
  name: string;
  is_channel: boolean;
  is_im: boolean;
  is_mpim: boolean;
  is_private: boolean;
  is_archived: boolean;
  is_general: boolean;
  created: number;
  creator: string;
  topic: ChannelText;
  purpose: ChannelText;
  members: string[];
  /** The other party of a direct-message channel. */
  user?: string;
};

export type Reaction = { name: string; users: string[]; count: number };

export type SlackFileRef = { id: string; name: string; title: string };

export type SlackMessage = {
  type: "message";
  ts: string;
  channel: string;
  user: string;
  bot_id?: string;
  app_id?: string;
  subtype?: "thread_broadcast" | "tombstone";
  text: string;
  blocks?: Block[];
  attachments?: unknown[];
  thread_ts?: string;
  reply_count?: number;
  reply_users?: string[];
  reply_users_count?: number;
  latest_reply?: string;
  edited?: { user: string; ts: string };
  files?: SlackFileRef[];
  upload?: boolean;
  metadata?: unknown;
  reactions?: Reaction[];
  pinned_to?: string[];
  /** Emulator bookkeeping, not part of Slack's message shape. */
  editCount: number;
};

export type EphemeralSource = "chat.postEphemeral" | "response_url";

export type SlackEphemeral = {
  ts: string;
  channel: string;
  user: string;
  text: string;
  blocks?: Block[];
  thread_ts?: string;
  source: EphemeralSource;
  at: Date;
  editCount: number;
  deleted: boolean;
};

export type SlackView = {
  id: string;
  team_id: string;
  app_id: string;
  bot_id: string;
  type: string;
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  blocks: Block[];
  private_metadata: string;
  callback_id: string;
  external_id: string;
  state: { values: Record<string, unknown> };
  hash: string;
  clear_on_close: boolean;
  notify_on_close: boolean;
  root_view_id: string | null;
  previous_view_id: string | null;
  /** The user the view is shown to, when the emulator knows it (trigger ids issued by it). */
  user?: string;
};

export type SlackUserGroup = {
  id: string;
  team_id: string;
  handle: string;
  name: string;
  users: string[];
  is_usergroup: true;
  date_create: number;
};

export type SlackFile = {
  id: string;
  name: string;
  title: string;
  filetype: string;
  mimetype: string;
  declaredLength: number;
  size: number;
  user: string;
  created: number;
  alt_text?: string;
  snippet_type?: string;
  bytes?: Buffer;
  channels: string[];
};

export type SlackTeam = { id: string; name: string; domain: string; email_domain: string };

export type SeedChannel = {
  id: string;
  name: string;
  is_private?: boolean;
  topic?: string;
  purpose?: string;
  members: string[];
  is_general?: boolean;
};

export type SeedData = {
  team: SlackTeam;
  bot: SlackUser & { bot_id: string };
  appId: string;
  users: SlackUser[];
  channels: SeedChannel[];
  userGroups: Array<{ id: string; handle: string; name: string; users: string[] }>;
};

export type ChannelRef = { id: string; label: string };
export type UserRef = { id: string; name: string };

export type SlackActivity = { at: Date } & (
  | { type: "channel_created"; channel: ChannelRef; by: UserRef; isPrivate: boolean }
  | { type: "dm_opened"; channel: ChannelRef; with: UserRef[] }
  | { type: "members_joined"; channel: ChannelRef; by: UserRef; users: UserRef[] }
  | { type: "topic_set" | "purpose_set"; channel: ChannelRef; by: UserRef; value: string }
  | {
      type: "message_posted" | "message_updated";
      channel: ChannelRef;
      user: UserRef;
      message: SlackMessage;
    }
  | { type: "message_deleted"; channel: ChannelRef; by: UserRef; ts: string }
  | {
      type: "ephemeral_posted" | "ephemeral_updated";
      channel: ChannelRef;
      to: UserRef;
      ephemeral: SlackEphemeral;
    }
  | { type: "ephemeral_deleted"; channel: ChannelRef; to: UserRef; ts: string }
  | {
      type: "view_opened" | "view_pushed" | "view_updated" | "view_closed";
      to?: UserRef;
      view: SlackView;
    }
  | { type: "home_published"; to: UserRef; view: SlackView }
  | { type: "message_pinned"; channel: ChannelRef; by: UserRef; ts: string }
  | { type: "reaction_added"; channel: ChannelRef; by: UserRef; ts: string; name: string }
  | {
      type: "file_shared";
      channel: ChannelRef;
      by: UserRef;
      file: SlackFile;
      message: SlackMessage;
    }
);

export type ActivityListener = (activity: SlackActivity) => void;

export type NewMessage = {
  channel: string;
  user: string;
  text: string;
  blocks?: Block[];
  attachments?: unknown[];
  threadTs?: string;
  broadcast?: boolean;
  metadata?: unknown;
  files?: SlackFileRef[];
};

export type MessageEdit = { text?: string; blocks?: Block[]; attachments?: unknown[] };

export type NewEphemeral = {
  channel: string;
  user: string;
  text: string;
  blocks?: Block[];
  threadTs?: string;
  source: EphemeralSource;
};

export type ViewPayload = Record<string, unknown> & { type: string };

export type ResponseUrlTarget = {
  channel: string;
  user: string;
  /** The message whose button produced the response_url, for replace_original/delete_original. */
  messageTs?: string;
  issuedAtMs: number;
  uses: number;
};

export type TriggerState = { userId?: string; issuedAtMs: number; used: boolean };

export function defaultSeed(): SeedData {
  const teamId = "T0TEAM";
  const human = (id: string, name: string, realName: string, tz: string): SlackUser => ({
    id,
    team_id: teamId,
    name,
    real_name: realName,
    email: `${name}@example.com`,
    is_bot: false,
    tz,
    deleted: false,
  });
  const humans = [
    human("U0ALICE", "alice", "Alice Anders", "Europe/London"),
    human("U0BOB", "bob", "Bob Brown", "America/New_York"),
    human("U0CAROL", "carol", "Carol Chen", "America/Los_Angeles"),
    human("U0DAVE", "dave", "Dave Diaz", "Europe/Berlin"),
  ];
  const everyone = humans.map((user) => user.id);
  return {
    team: { id: teamId, name: "Example Co", domain: "example", email_domain: "example.com" },
    bot: {
      id: "U0BOT",
      team_id: teamId,
      name: "incident-bot",
      real_name: "Incident Bot",
      is_bot: true,
      tz: "UTC",
      deleted: false,
      bot_id: "B0BOT",
    },
    appId: "A0INCIDENT",
    users: humans,
    channels: [
      {
        id: "C0INCIDENTS",
        name: "incidents",
        purpose: "Incident announcements",
        members: ["U0BOT", ...everyone],
      },
      { id: "C0GENERAL", name: "general", is_general: true, members: everyone },
    ],
    userGroups: [
      { id: "S0ONCALL", handle: "oncall", name: "On-call engineers", users: ["U0ALICE", "U0BOB"] },
      { id: "S0SUPPORT", handle: "support", name: "Support", users: ["U0CAROL"] },
    ],
  };
}

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * The emulated workspace. Methods validate their arguments before calling a mutator here, so a
 * mutator either fully applies or is never called; that is what keeps faulted and rejected calls
 * from leaving half-changed state behind.
 */
export class World {
  readonly team: SlackTeam;
  readonly bot: SlackUser & { bot_id: string };
  readonly appId: string;

  private readonly usersById = new Map<string, SlackUser>();
  private readonly channelsById = new Map<string, SlackChannel>();
  private readonly messagesByChannel = new Map<string, SlackMessage[]>();
  private readonly ephemeralList: SlackEphemeral[] = [];
  private readonly openViews = new Map<string, SlackView>();
  private readonly homeTabsByUser = new Map<string, SlackView>();
  private readonly userGroupsById = new Map<string, SlackUserGroup>();
  private readonly filesById = new Map<string, SlackFile>();
  private readonly triggers = new Map<string, TriggerState>();
  private readonly responseUrls = new Map<string, ResponseUrlTarget>();
  private readonly listeners = new Set<ActivityListener>();
  private readonly idCounters = new Map<string, number>();
  private lastTsMicros = 0;

  constructor(
    seed: SeedData,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.team = seed.team;
    this.bot = seed.bot;
    this.appId = seed.appId;
    this.usersById.set(seed.bot.id, { ...seed.bot });
    for (const user of seed.users) this.usersById.set(user.id, { ...user });
    const created = this.nowSeconds();
    for (const channel of seed.channels) {
      this.channelsById.set(channel.id, {
        id: channel.id,
        name: channel.name,
        is_channel: true,
        is_im: false,
        is_mpim: false,
        is_private: channel.is_private ?? false,
        is_archived: false,
        is_general: channel.is_general ?? false,
        created,
        creator: seed.users[0]?.id ?? seed.bot.id,
        topic: { value: channel.topic ?? "", creator: "", last_set: 0 },
        purpose: { value: channel.purpose ?? "", creator: "", last_set: 0 },
        members: [...new Set(channel.members)],
      });
      this.messagesByChannel.set(channel.id, []);
    }
    for (const group of seed.userGroups) {
      this.userGroupsById.set(group.id, {
        ...group,
        users: [...group.users],
        team_id: seed.team.id,
        is_usergroup: true,
        date_create: created,
      });
    }
  }

  // ── Clock and identifiers ─────────────────────────────────────────────

  now(): number {
    return this.nowMs();
  }

  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** Slack timestamps double as message ids, so they must never repeat, even within a millisecond. */
  nextTs(): string {
    const micros = Math.max(Math.floor(this.nowMs()) * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    const seconds = Math.floor(micros / 1_000_000);
    const fraction = String(micros % 1_000_000).padStart(6, "0");
    return `${seconds}.${fraction}`;
  }

  newId(prefix: "C" | "D" | "G" | "V" | "F" | "S"): string {
    for (;;) {
      const next = (this.idCounters.get(prefix) ?? 0) + 1;
      this.idCounters.set(prefix, next);
      let digits = "";
      for (let rest = next; rest > 0; rest = Math.floor(rest / idAlphabet.length)) {
        digits = idAlphabet[rest % idAlphabet.length] + digits;
      }
      const id = `${prefix}${digits.padStart(9, "0")}`;
      if (!this.channelsById.has(id) && !this.openViews.has(id) && !this.filesById.has(id)) {
        return id;
      }
    }
  }

  // ── Activity stream ───────────────────────────────────────────────────

  onActivity(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A new channel, with no messages yet. */
  private storeChannel(channel: SlackChannel): void {
    this.channelsById.set(channel.id, channel);
    this.messagesByChannel.set(channel.id, []);
  }

  /** Activities carry copies, so a listener that keeps them sees each change as it was then. */
  private emit(activity: SlackActivity): void {
    for (const listener of this.listeners) {
      try {
        listener(activity);
      } catch {
        // A failing transcript printer must not turn into a failed Slack API call.
      }
    }
  }

  channelRef(channelId: string): ChannelRef {
    const channel = this.channelsById.get(channelId);
    if (!channel) return { id: channelId, label: channelId };
    if (channel.is_im) {
      const other = channel.user ? this.userRef(channel.user).name : "unknown";
      return { id: channelId, label: `DM @${other}` };
    }
    if (channel.is_mpim) return { id: channelId, label: `group DM ${channel.name}` };
    return { id: channelId, label: `#${channel.name}` };
  }

  userRef(userId: string): UserRef {
    return { id: userId, name: this.usersById.get(userId)?.name ?? userId };
  }

  // ── Users and user groups ─────────────────────────────────────────────

  user(id: string): SlackUser | undefined {
    return this.usersById.get(id);
  }

  userByEmail(email: string): SlackUser | undefined {
    const wanted = email.toLowerCase();
    for (const user of this.usersById.values()) {
      if (user.email?.toLowerCase() === wanted) return user;
    }
    return undefined;
  }

  userByName(name: string): SlackUser | undefined {
    for (const user of this.usersById.values()) if (user.name === name) return user;
    return undefined;
  }

  users(): SlackUser[] {
    return [...this.usersById.values()];
  }

  addUser(
    user: Omit<SlackUser, "team_id" | "deleted" | "is_bot" | "tz"> & Partial<SlackUser>,
  ): SlackUser {
    const stored: SlackUser = {
      team_id: this.team.id,
      is_bot: false,
      tz: "UTC",
      deleted: false,
      ...user,
    };
    this.usersById.set(stored.id, stored);
    return stored;
  }

  userGroup(id: string): SlackUserGroup | undefined {
    return this.userGroupsById.get(id);
  }

  userGroups(): SlackUserGroup[] {
    return [...this.userGroupsById.values()];
  }

  addUserGroup(group: {
    handle: string;
    name?: string;
    users: string[];
    id?: string;
  }): SlackUserGroup {
    const stored: SlackUserGroup = {
      id: group.id ?? this.newId("S"),
      team_id: this.team.id,
      handle: group.handle,
      name: group.name ?? group.handle,
      users: [...group.users],
      is_usergroup: true,
      date_create: this.nowSeconds(),
    };
    this.userGroupsById.set(stored.id, stored);
    return stored;
  }

  // ── Channels ──────────────────────────────────────────────────────────

  channel(id: string): SlackChannel | undefined {
    return this.channelsById.get(id);
  }

  channelByName(name: string): SlackChannel | undefined {
    const bare = name.startsWith("#") ? name.slice(1) : name;
    for (const channel of this.channelsById.values()) {
      if (!channel.is_im && !channel.is_mpim && channel.name === bare) return channel;
    }
    return undefined;
  }

  channels(): SlackChannel[] {
    return [...this.channelsById.values()];
  }

  dmWith(userId: string): SlackChannel | undefined {
    for (const channel of this.channelsById.values()) {
      if (channel.is_im && channel.user === userId) return channel;
    }
    return undefined;
  }

  isMember(channelId: string, userId: string): boolean {
    return this.channelsById.get(channelId)?.members.includes(userId) ?? false;
  }

  createChannel(input: { name: string; isPrivate?: boolean; creator: string }): SlackChannel {
    const now = this.nowSeconds();
    const channel: SlackChannel = {
      id: this.newId("C"),
      name: input.name,
      is_channel: true,
      is_im: false,
      is_mpim: false,
      is_private: input.isPrivate ?? false,
      is_archived: false,
      is_general: false,
      created: now,
      creator: input.creator,
      topic: { value: "", creator: "", last_set: 0 },
      purpose: { value: "", creator: "", last_set: 0 },
      members: [input.creator],
    };
    this.storeChannel(channel);
    this.emit({
      type: "channel_created",
      at: new Date(this.nowMs()),
      channel: this.channelRef(channel.id),
      by: this.userRef(input.creator),
      isPrivate: input.isPrivate ?? false,
    });
    return channel;
  }

  /** Direct messages are between the bot and one user; group DMs between the bot and several. */
  openDirectMessage(userIds: string[]): { channel: SlackChannel; alreadyOpen: boolean } {
    const others = [...new Set(userIds)].filter((id) => id !== this.bot.id).sort();
    const existing = this.channels().find((channel) => {
      if (others.length === 1) return channel.is_im && channel.user === others[0];
      const members = channel.members.filter((id) => id !== this.bot.id).sort();
      return channel.is_mpim && members.join(",") === others.join(",");
    });
    if (existing) return { channel: existing, alreadyOpen: true };
    const isIm = others.length === 1;
    const names = [this.bot.id, ...others].map((id) => this.userRef(id).name);
    const channel: SlackChannel = {
      id: this.newId(isIm ? "D" : "G"),
      name: isIm ? (others[0] ?? "") : `mpdm-${names.join("--")}-1`,
      is_channel: false,
      is_im: isIm,
      is_mpim: !isIm,
      is_private: true,
      is_archived: false,
      is_general: false,
      created: this.nowSeconds(),
      creator: this.bot.id,
      topic: { value: "", creator: "", last_set: 0 },
      purpose: { value: "", creator: "", last_set: 0 },
      members: [this.bot.id, ...others],
      ...(isIm ? { user: others[0] } : {}),
    };
    this.storeChannel(channel);
    this.emit({
      type: "dm_opened",
      at: new Date(this.nowMs()),
      channel: this.channelRef(channel.id),
      with: others.map((id) => this.userRef(id)),
    });
    return { channel, alreadyOpen: false };
  }

  addMembers(channelId: string, userIds: string[], by: string): string[] {
    const channel = this.requireChannel(channelId);
    const added = [...new Set(userIds)].filter((id) => !channel.members.includes(id));
    if (added.length === 0) return added;
    channel.members.push(...added);
    this.emit({
      type: "members_joined",
      at: new Date(this.nowMs()),
      channel: this.channelRef(channelId),
      by: this.userRef(by),
      users: added.map((id) => this.userRef(id)),
    });
    return added;
  }

  setChannelText(channelId: string, field: "topic" | "purpose", value: string, by: string): void {
    const channel = this.requireChannel(channelId);
    channel[field] = { value, creator: by, last_set: this.nowSeconds() };
    this.emit({
      type: field === "topic" ? "topic_set" : "purpose_set",
      at: new Date(this.nowMs()),
      channel: this.channelRef(channelId),
      by: this.userRef(by),
      value,
    });
  }

  archiveChannel(channelId: string): void {
    this.requireChannel(channelId).is_archived = true;
  }

  private requireChannel(channelId: string): SlackChannel {
    const channel = this.channelsById.get(channelId);
    if (!channel) throw new Error(`Emulator world has no channel ${channelId}`);
    return channel;
  }

  // ── Messages ──────────────────────────────────────────────────────────

  /** Every message in the channel, replies included, oldest first. */
  allMessages(channelId: string): SlackMessage[] {
    return [...(this.messagesByChannel.get(channelId) ?? [])];
  }

  /** What the channel shows: top-level messages and replies also sent to the channel, oldest first. */
  messages(channelId: string): SlackMessage[] {
    return this.allMessages(channelId).filter(
      (message) =>
        message.thread_ts === undefined ||
        message.thread_ts === message.ts ||
        message.subtype === "thread_broadcast",
    );
  }

  /** Replies in a thread, oldest first, without the parent. */
  threadReplies(channelId: string, threadTs: string): SlackMessage[] {
    return this.allMessages(channelId).filter(
      (message) => message.thread_ts === threadTs && message.ts !== threadTs,
    );
  }

  message(channelId: string, ts: string): SlackMessage | undefined {
    return this.messagesByChannel.get(channelId)?.find((message) => message.ts === ts);
  }

  postMessage(input: NewMessage): SlackMessage {
    const list = this.messagesByChannel.get(input.channel);
    if (!list) throw new Error(`Emulator world has no channel ${input.channel}`);
    const author = this.usersById.get(input.user);
    const ts = this.nextTs();
    const message: SlackMessage = {
      type: "message",
      ts,
      channel: input.channel,
      user: input.user,
      text: input.text,
      editCount: 0,
    };
    if (author?.bot_id) {
      message.bot_id = author.bot_id;
      message.app_id = this.appId;
    }
    if (input.blocks) message.blocks = input.blocks;
    if (input.attachments) message.attachments = input.attachments;
    if (input.metadata !== undefined) message.metadata = input.metadata;
    if (input.files) {
      message.files = input.files;
      message.upload = true;
    }
    if (input.threadTs !== undefined) {
      message.thread_ts = input.threadTs;
      if (input.broadcast) message.subtype = "thread_broadcast";
      const parent = list.find((candidate) => candidate.ts === input.threadTs);
      if (parent) {
        parent.thread_ts = parent.ts;
        parent.reply_count = (parent.reply_count ?? 0) + 1;
        const replyUsers = new Set(parent.reply_users ?? []);
        replyUsers.add(input.user);
        parent.reply_users = [...replyUsers];
        parent.reply_users_count = replyUsers.size;
        parent.latest_reply = ts;
      }
    }
    list.push(message);
    this.emit({
      type: "message_posted",
      at: new Date(this.nowMs()),
      channel: this.channelRef(input.channel),
      user: this.userRef(input.user),
      message: structuredClone(message),
    });
    return message;
  }

  editMessage(channelId: string, ts: string, edit: MessageEdit, by: string): SlackMessage {
    const message = this.message(channelId, ts);
    if (!message) throw new Error(`Emulator world has no message ${channelId}/${ts}`);
    if (edit.text !== undefined) message.text = edit.text;
    if (edit.blocks !== undefined) {
      if (edit.blocks.length > 0) message.blocks = edit.blocks;
      else delete message.blocks;
    }
    if (edit.attachments !== undefined) message.attachments = edit.attachments;
    message.edited = { user: by, ts: this.nextTs() };
    message.editCount += 1;
    this.emit({
      type: "message_updated",
      at: new Date(this.nowMs()),
      channel: this.channelRef(channelId),
      user: this.userRef(message.user),
      message: structuredClone(message),
    });
    return message;
  }

  /** A parent with replies stays behind as a tombstone, as in Slack, so the thread survives. */
  deleteMessage(channelId: string, ts: string, by: string): void {
    const list = this.messagesByChannel.get(channelId);
    const index = list?.findIndex((message) => message.ts === ts) ?? -1;
    const message = list?.[index];
    if (!list || !message) return;
    if (message.thread_ts === message.ts && (message.reply_count ?? 0) > 0) {
      message.subtype = "tombstone";
      message.text = "This message was deleted.";
      delete message.blocks;
      delete message.attachments;
      delete message.files;
    } else {
      list.splice(index, 1);
      if (message.thread_ts !== undefined && message.thread_ts !== ts) {
        this.recountReplies(list, message.thread_ts);
      }
    }
    this.emit({
      type: "message_deleted",
      at: new Date(this.nowMs()),
      channel: this.channelRef(channelId),
      by: this.userRef(by),
      ts,
    });
  }

  private recountReplies(list: SlackMessage[], threadTs: string): void {
    const parent = list.find((message) => message.ts === threadTs);
    if (!parent) return;
    const replies = list.filter(
      (message) => message.thread_ts === threadTs && message.ts !== threadTs,
    );
    const replyUsers = [...new Set(replies.map((reply) => reply.user))];
    parent.reply_count = replies.length;
    parent.reply_users = replyUsers;
    parent.reply_users_count = replyUsers.length;
    const latest = replies.at(-1)?.ts;
    if (latest === undefined) delete parent.latest_reply;
    else parent.latest_reply = latest;
  }

  pin(channelId: string, ts: string, by: string): void {
    const message = this.message(channelId, ts);
    if (!message) return;
    message.pinned_to = [...(message.pinned_to ?? []), channelId];
    this.emit({
      type: "message_pinned",
      at: new Date(this.nowMs()),
      channel: this.channelRef(channelId),
      by: this.userRef(by),
      ts,
    });
  }

  pins(channelId: string): SlackMessage[] {
    return this.allMessages(channelId).filter((message) => message.pinned_to?.includes(channelId));
  }

  addReaction(channelId: string, ts: string, name: string, by: string): void {
    const message = this.message(channelId, ts);
    if (!message) return;
    const reactions = message.reactions ?? [];
    const existing = reactions.find((reaction) => reaction.name === name);
    if (existing) {
      existing.users.push(by);
      existing.count = existing.users.length;
    } else {
      reactions.push({ name, users: [by], count: 1 });
    }
    message.reactions = reactions;
    this.emit({
      type: "reaction_added",
      at: new Date(this.nowMs()),
      channel: this.channelRef(channelId),
      by: this.userRef(by),
      ts,
      name,
    });
  }

  // ── Ephemerals ────────────────────────────────────────────────────────

  ephemerals(): SlackEphemeral[] {
    return [...this.ephemeralList];
  }

  ephemeralsFor(userId: string): SlackEphemeral[] {
    return this.ephemeralList.filter(
      (ephemeral) => ephemeral.user === userId && !ephemeral.deleted,
    );
  }

  ephemeral(channelId: string, ts: string): SlackEphemeral | undefined {
    return this.ephemeralList.find((item) => item.channel === channelId && item.ts === ts);
  }

  postEphemeral(input: NewEphemeral): SlackEphemeral {
    const ephemeral: SlackEphemeral = {
      ts: this.nextTs(),
      channel: input.channel,
      user: input.user,
      text: input.text,
      source: input.source,
      at: new Date(this.nowMs()),
      editCount: 0,
      deleted: false,
    };
    if (input.blocks) ephemeral.blocks = input.blocks;
    if (input.threadTs !== undefined) ephemeral.thread_ts = input.threadTs;
    this.ephemeralList.push(ephemeral);
    this.emit({
      type: "ephemeral_posted",
      at: new Date(ephemeral.at),
      channel: this.channelRef(input.channel),
      to: this.userRef(input.user),
      ephemeral: structuredClone(ephemeral),
    });
    return ephemeral;
  }

  replaceEphemeral(ephemeral: SlackEphemeral, content: { text: string; blocks?: Block[] }): void {
    ephemeral.text = content.text;
    if (content.blocks) ephemeral.blocks = content.blocks;
    else delete ephemeral.blocks;
    ephemeral.editCount += 1;
    this.emit({
      type: "ephemeral_updated",
      at: new Date(this.nowMs()),
      channel: this.channelRef(ephemeral.channel),
      to: this.userRef(ephemeral.user),
      ephemeral: structuredClone(ephemeral),
    });
  }

  deleteEphemeral(ephemeral: SlackEphemeral): void {
    ephemeral.deleted = true;
    this.emit({
      type: "ephemeral_deleted",
      at: new Date(this.nowMs()),
      channel: this.channelRef(ephemeral.channel),
      to: this.userRef(ephemeral.user),
      ts: ephemeral.ts,
    });
  }

  // ── Views ─────────────────────────────────────────────────────────────

  /** Modals currently open, in the order they were opened or pushed. */
  get views(): SlackView[] {
    return [...this.openViews.values()];
  }

  /** Published App Home tabs keyed by user id. */
  get homeTabs(): ReadonlyMap<string, SlackView> {
    return this.homeTabsByUser;
  }

  view(id: string): SlackView | undefined {
    return (
      this.openViews.get(id) ?? [...this.homeTabsByUser.values()].find((view) => view.id === id)
    );
  }

  viewByExternalId(externalId: string): SlackView | undefined {
    if (externalId === "") return undefined;
    return [...this.openViews.values(), ...this.homeTabsByUser.values()].find(
      (view) => view.external_id === externalId,
    );
  }

  /** The stack a pushed view joins: the user's most recent modal, or the latest modal at all. */
  topModalFor(userId: string | undefined): SlackView | undefined {
    const modals = this.views;
    const mine = userId === undefined ? [] : modals.filter((view) => view.user === userId);
    return (mine.length > 0 ? mine : modals).at(-1);
  }

  modalStack(rootViewId: string): SlackView[] {
    return this.views.filter((view) => view.root_view_id === rootViewId);
  }

  openView(payload: ViewPayload, placement: { userId?: string; parent?: SlackView }): SlackView {
    const id = this.newId("V");
    const view = this.buildView(id, payload, placement.userId);
    view.root_view_id = placement.parent?.root_view_id ?? id;
    view.previous_view_id = placement.parent?.id ?? null;
    this.openViews.set(id, view);
    this.emit({
      type: placement.parent ? "view_pushed" : "view_opened",
      at: new Date(this.nowMs()),
      ...(view.user ? { to: this.userRef(view.user) } : {}),
      view: structuredClone(view),
    });
    return view;
  }

  updateView(existing: SlackView, payload: ViewPayload): SlackView {
    const updated = this.buildView(existing.id, payload, existing.user);
    updated.root_view_id = existing.root_view_id;
    updated.previous_view_id = existing.previous_view_id;
    if (this.openViews.has(existing.id)) this.openViews.set(existing.id, updated);
    for (const [userId, home] of this.homeTabsByUser) {
      if (home.id === existing.id) this.homeTabsByUser.set(userId, updated);
    }
    this.emit({
      type: "view_updated",
      at: new Date(this.nowMs()),
      ...(updated.user ? { to: this.userRef(updated.user) } : {}),
      view: structuredClone(updated),
    });
    return updated;
  }

  /** Closing a view closes the views pushed on top of it too, as Slack does on submit or cancel. */
  closeView(viewId: string): void {
    const view = this.openViews.get(viewId);
    if (!view) return;
    const stack = view.root_view_id ? this.modalStack(view.root_view_id) : [view];
    const closing = view.root_view_id === view.id ? stack : stack.slice(stack.indexOf(view));
    for (const closed of closing) {
      this.openViews.delete(closed.id);
      this.emit({
        type: "view_closed",
        at: new Date(this.nowMs()),
        ...(closed.user ? { to: this.userRef(closed.user) } : {}),
        view: structuredClone(closed),
      });
    }
  }

  publishHome(userId: string, payload: ViewPayload): SlackView {
    const id = this.homeTabsByUser.get(userId)?.id ?? this.newId("V");
    const view = this.buildView(id, payload, userId);
    this.homeTabsByUser.set(userId, view);
    this.emit({
      type: "home_published",
      at: new Date(this.nowMs()),
      to: this.userRef(userId),
      view: structuredClone(view),
    });
    return view;
  }

  private buildView(id: string, payload: ViewPayload, userId: string | undefined): SlackView {
    const text = (field: string): string => {
      const value = payload[field];
      return typeof value === "string" ? value : "";
    };
    const view: SlackView = {
      id,
      team_id: this.team.id,
      app_id: this.appId,
      bot_id: this.bot.bot_id,
      type: payload.type,
      blocks: Array.isArray(payload.blocks) ? (payload.blocks as Block[]) : [],
      private_metadata: text("private_metadata"),
      callback_id: text("callback_id"),
      external_id: text("external_id"),
      state: { values: {} },
      hash: `${this.nowSeconds()}.${randomBytes(4).toString("hex")}`,
      clear_on_close: payload.clear_on_close === true,
      notify_on_close: payload.notify_on_close === true,
      root_view_id: null,
      previous_view_id: null,
    };
    if (payload.title !== undefined) view.title = payload.title;
    if (payload.submit !== undefined) view.submit = payload.submit;
    if (payload.close !== undefined) view.close = payload.close;
    if (userId !== undefined) view.user = userId;
    return view;
  }

  // ── Trigger ids and response URLs ─────────────────────────────────────

  issueTriggerId(userId?: string): string {
    const id = nextTriggerId();
    this.triggers.set(id, { ...(userId ? { userId } : {}), issuedAtMs: this.nowMs(), used: false });
    return id;
  }

  /** Slack's trigger ids are single-use; ones the emulator did not issue are accepted once, too. */
  consumeTriggerId(
    triggerId: string,
    ttlMs: number | undefined,
  ): { ok: true; userId?: string } | { ok: false; error: "expired_trigger_id" } {
    const state = this.triggers.get(triggerId);
    if (!state) {
      this.triggers.set(triggerId, { issuedAtMs: this.nowMs(), used: true });
      return { ok: true };
    }
    const expired = ttlMs !== undefined && this.nowMs() - state.issuedAtMs > ttlMs;
    if (state.used || expired) return { ok: false, error: "expired_trigger_id" };
    state.used = true;
    return state.userId ? { ok: true, userId: state.userId } : { ok: true };
  }

  peekTrigger(triggerId: string): TriggerState | undefined {
    return this.triggers.get(triggerId);
  }

  issueResponseUrlTarget(target: { channel: string; user: string; messageTs?: string }): string {
    const id = randomBytes(12).toString("hex");
    this.responseUrls.set(id, { ...target, issuedAtMs: this.nowMs(), uses: 0 });
    return id;
  }

  responseUrlTarget(id: string): ResponseUrlTarget | undefined {
    return this.responseUrls.get(id);
  }

  // ── Files ─────────────────────────────────────────────────────────────

  file(id: string): SlackFile | undefined {
    return this.filesById.get(id);
  }

  get files(): SlackFile[] {
    return [...this.filesById.values()];
  }

  reserveFile(input: {
    filename: string;
    length: number;
    user: string;
    altText?: string;
    snippetType?: string;
  }): SlackFile {
    const extension = input.filename.includes(".") ? (input.filename.split(".").at(-1) ?? "") : "";
    const file: SlackFile = {
      id: this.newId("F"),
      name: input.filename,
      title: input.filename,
      filetype: extension || "text",
      mimetype: mimeTypeFor(extension),
      declaredLength: input.length,
      size: 0,
      user: input.user,
      created: this.nowSeconds(),
      channels: [],
    };
    if (input.altText !== undefined) file.alt_text = input.altText;
    if (input.snippetType !== undefined) file.snippet_type = input.snippetType;
    this.filesById.set(file.id, file);
    return file;
  }

  storeFileBytes(fileId: string, bytes: Buffer): void {
    const file = this.filesById.get(fileId);
    if (!file) return;
    file.bytes = bytes;
    file.size = bytes.length;
  }

  shareFiles(input: {
    files: Array<{ file: SlackFile; title?: string }>;
    channel?: string;
    by: string;
    initialComment?: string;
    threadTs?: string;
    blocks?: Block[];
  }): SlackMessage | undefined {
    for (const { file, title } of input.files) if (title) file.title = title;
    if (input.channel === undefined) return undefined;
    const channelId = input.channel;
    for (const { file } of input.files) {
      if (!file.channels.includes(channelId)) file.channels.push(channelId);
    }
    const message = this.postMessage({
      channel: channelId,
      user: input.by,
      text: input.initialComment ?? "",
      ...(input.blocks ? { blocks: input.blocks } : {}),
      ...(input.threadTs !== undefined ? { threadTs: input.threadTs } : {}),
      files: input.files.map(({ file }) => ({ id: file.id, name: file.name, title: file.title })),
    });
    for (const { file } of input.files) {
      this.emit({
        type: "file_shared",
        at: new Date(this.nowMs()),
        channel: this.channelRef(channelId),
        by: this.userRef(input.by),
        file: withoutBytes(file),
        message: structuredClone(message),
      });
    }
    return message;
  }

  /** A JSON-safe picture of the whole workspace, for a UI or for debugging a failed test. */
  snapshot(): Record<string, unknown> {
    return {
      team: this.team,
      bot: this.bot,
      users: this.users(),
      userGroups: this.userGroups(),
      channels: this.channels().map((channel) => ({
        ...channel,
        messages: this.allMessages(channel.id),
      })),
      ephemerals: this.ephemerals(),
      views: this.views,
      homeTabs: Object.fromEntries(this.homeTabsByUser),
      files: this.files.map(withoutBytes),
    };
  }
}

let triggerCounter = 0;

/** A fresh trigger id in Slack's format; the emulator accepts any id once. */
export function nextTriggerId(): string {
  triggerCounter += 1;
  return `${Date.now()}${String(triggerCounter).padStart(4, "0")}.${Math.floor(Math.random() * 1e9)}.${randomBytes(16).toString("hex")}`;
}

function withoutBytes(file: SlackFile): SlackFile {
  const { bytes: _bytes, ...rest } = file;
  return rest;
}

function mimeTypeFor(extension: string): string {
  const known: Record<string, string> = {
    txt: "text/plain",
    md: "text/markdown",
    csv: "text/csv",
    json: "application/json",
    eml: "message/rfc822",
    pdf: "application/pdf",
    png: "image/png",
    jpg: "image/jpeg",
    svg: "image/svg+xml",
    html: "text/html",
  };
  return known[extension.toLowerCase()] ?? "application/octet-stream";
}
