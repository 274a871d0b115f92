import { SocketModeClient, type SocketModeOptions } from "@slack/socket-mode";
import { ErrorCode, LogLevel, WebClient, type WebClientOptions } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  type SlackActivity,
  type SlackEmulator,
  startSlackEmulator,
} from "../../tools/emulators/slack/index.ts";
import { waitFor } from "../support/wait.ts";

let emulator: SlackEmulator;
let slack: WebClient;

function clientFor(options: WebClientOptions = {}, token = "xoxb-test"): WebClient {
  return new WebClient(token, {
    slackApiUrl: emulator.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
    ...options,
  });
}

beforeEach(async () => {
  emulator = await startSlackEmulator();
  slack = clientFor();
});

afterEach(async () => {
  await emulator.close();
});

describe("identity and authentication", () => {
  it("answers auth.test as the seeded bot", async () => {
    const auth = await slack.auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: "U0BOT", bot_id: "B0BOT", team_id: "T0TEAM" });
    expect(auth.url).toBe(`${emulator.baseUrl}/`);
    expect(emulator.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it("rejects missing and malformed tokens and unknown methods", async () => {
    await expect(clientFor({}, "").auth.test()).rejects.toMatchObject({
      data: { error: "not_authed" },
    });
    await expect(clientFor({}, "xoxp-user").auth.test()).rejects.toMatchObject({
      data: { error: "invalid_auth" },
    });
    await expect(slack.apiCall("chat.teleport", {})).rejects.toMatchObject({
      data: { error: "unknown_method" },
    });
    expect(emulator.calls.map((call) => call.method)).toEqual([
      "auth.test",
      "auth.test",
      "chat.teleport",
    ]);
  });

  it("accepts JSON bodies with the token in the header, as other clients send them", async () => {
    const response = await fetch(`${emulator.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { authorization: "Bearer xoxb-test", "content-type": "application/json" },
      body: JSON.stringify({ channel: "C0INCIDENTS", blocks: [{ type: "divider" }], text: "json" }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, channel: "C0INCIDENTS" });
    expect(emulator.callsTo("chat.postMessage")[0]?.args.blocks).toEqual([{ type: "divider" }]);
  });
});

describe("conversations", () => {
  it("creates channels with the bot as member and refuses taken or invalid names", async () => {
    const created = await slack.conversations.create({ name: "inc-1-checkout", is_private: true });
    expect(created.channel?.id).toMatch(/^C[0-9A-Z]+$/);
    expect(created.channel).toMatchObject({
      name: "inc-1-checkout",
      is_private: true,
      is_member: true,
    });

    const channel = emulator.world.channelByName("inc-1-checkout");
    expect(channel?.members).toEqual(["U0BOT"]);
    expect(channel?.is_private).toBe(true);

    await expect(slack.conversations.create({ name: "inc-1-checkout" })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: "name_taken" },
    });
    await expect(slack.conversations.create({ name: "Inc 1!" })).rejects.toMatchObject({
      data: { error: "invalid_name_specials" },
    });
    await expect(slack.conversations.create({ name: "x".repeat(81) })).rejects.toMatchObject({
      data: { error: "invalid_name_maxlength" },
    });
    await expect(slack.conversations.create({ name: "" })).rejects.toMatchObject({
      data: { error: "invalid_name_required" },
    });
    expect(emulator.world.channels().filter((c) => c.name.startsWith("inc-"))).toHaveLength(1);
  });

  it("invites users, reports who is already in, and sets the topic", async () => {
    const { channel } = await slack.conversations.create({ name: "inc-2-db" });
    const id = channel!.id!;
    await slack.conversations.invite({ channel: id, users: "U0ALICE,U0BOB" });
    expect(emulator.world.channel(id)?.members).toEqual(["U0BOT", "U0ALICE", "U0BOB"]);

    await expect(
      slack.conversations.invite({ channel: id, users: "U0ALICE" }),
    ).rejects.toMatchObject({
      data: { error: "already_in_channel" },
    });
    await expect(
      slack.conversations.invite({ channel: id, users: "U0NOBODY" }),
    ).rejects.toMatchObject({
      data: { error: "user_not_found" },
    });

    await slack.conversations.setTopic({ channel: id, topic: "SEV2 · investigating" });
    const info = await slack.conversations.info({ channel: id, include_num_members: true });
    expect(info.channel?.topic?.value).toBe("SEV2 · investigating");
    expect(info.channel?.num_members).toBe(3);
    const members = await slack.conversations.members({ channel: id });
    expect(members.members).toEqual(["U0BOT", "U0ALICE", "U0BOB"]);
  });

  it("pages through conversations.list with cursors, hiding private channels the bot is not in", async () => {
    for (let index = 0; index < 23; index++) {
      await slack.conversations.create({ name: `inc-${index}` });
    }
    emulator.world.createChannel({ name: "secret-hr", isPrivate: true, creator: "U0ALICE" });
    await slack.conversations.create({ name: "bot-private", is_private: true });

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await slack.conversations.list({
        limit: 10,
        types: "public_channel,private_channel",
        ...(cursor ? { cursor } : {}),
      });
      pages.push((page.channels ?? []).map((channel) => channel.name ?? ""));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);

    const names = pages.flat();
    expect(pages.map((page) => page.length)).toEqual([10, 10, 6]);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain("incidents");
    expect(names).toContain("bot-private");
    expect(names).not.toContain("secret-hr");

    const publicOnly = await slack.conversations.list({ limit: 1000 });
    expect(publicOnly.channels?.some((channel) => channel.is_private)).toBe(false);
    await expect(slack.conversations.list({ cursor: "bm9wZQ==" })).rejects.toMatchObject({
      data: { error: "invalid_cursor" },
    });
  });
});

describe("messages", () => {
  it("posts, threads, broadcasts and edits messages", async () => {
    const parent = await slack.chat.postMessage({ channel: "C0INCIDENTS", text: "INC-1 declared" });
    expect(parent.ts).toMatch(/^\d{10}\.\d{6}$/);
    const reply = await slack.chat.postMessage({
      channel: "C0INCIDENTS",
      thread_ts: parent.ts!,
      text: "Investigating",
    });
    const broadcast = await slack.chat.postMessage({
      channel: "C0INCIDENTS",
      thread_ts: reply.ts!,
      text: "Resolved",
      reply_broadcast: true,
    });
    expect(Number(broadcast.ts)).toBeGreaterThan(Number(reply.ts));

    const world = emulator.world;
    expect(world.messages("C0INCIDENTS").map((message) => message.text)).toEqual([
      "INC-1 declared",
      "Resolved",
    ]);
    expect(world.threadReplies("C0INCIDENTS", parent.ts!).map((message) => message.text)).toEqual([
      "Investigating",
      "Resolved",
    ]);
    expect(world.message("C0INCIDENTS", parent.ts!)).toMatchObject({
      reply_count: 2,
      latest_reply: broadcast.ts,
    });

    const updated = await slack.chat.update({
      channel: "C0INCIDENTS",
      ts: parent.ts!,
      text: "INC-1 resolved",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*INC-1* resolved" } }],
    });
    expect(updated.message?.edited?.user).toBe("U0BOT");
    const stored = world.message("C0INCIDENTS", parent.ts!);
    expect(stored?.text).toBe("INC-1 resolved");
    expect(stored?.editCount).toBe(1);

    const history = await slack.conversations.history({ channel: "C0INCIDENTS" });
    expect(history.messages?.map((message) => message.text)).toEqual([
      "Resolved",
      "INC-1 resolved",
    ]);
    const thread = await slack.conversations.replies({ channel: "C0INCIDENTS", ts: parent.ts! });
    expect(thread.messages?.map((message) => message.ts)).toEqual([
      parent.ts,
      reply.ts,
      broadcast.ts,
    ]);
  });

  it("enforces Slack's posting rules", async () => {
    await expect(
      slack.chat.postMessage({ channel: "C0INCIDENTS", text: "" }),
    ).rejects.toMatchObject({
      data: { error: "no_text" },
    });
    const secret = emulator.world.createChannel({
      name: "secret",
      isPrivate: true,
      creator: "U0ALICE",
    });
    await expect(slack.chat.postMessage({ channel: secret.id, text: "hi" })).rejects.toMatchObject({
      data: { error: "channel_not_found" },
    });
    await expect(
      slack.chat.postMessage({ channel: "C0INCIDENTS", thread_ts: "1.000001", text: "lost" }),
    ).rejects.toMatchObject({ data: { error: "thread_not_found" } });
    const tooMany = Array.from({ length: 51 }, () => ({ type: "divider" }));
    await expect(
      slack.chat.postMessage({ channel: "C0INCIDENTS", text: "x", blocks: tooMany }),
    ).rejects.toMatchObject({ data: { error: "invalid_blocks" } });

    // chat:write.public lets the bot post where it is not a member.
    await slack.chat.postMessage({ channel: "C0GENERAL", text: "hello all" });
    expect(emulator.world.channel("C0GENERAL")?.members).not.toContain("U0BOT");
    expect(emulator.world.messages("C0GENERAL")).toHaveLength(1);
    expect(emulator.world.messages(secret.id)).toHaveLength(0);

    const human = emulator.world.postMessage({
      channel: "C0INCIDENTS",
      user: "U0ALICE",
      text: "mine",
    });
    await expect(
      slack.chat.update({ channel: "C0INCIDENTS", ts: human.ts, text: "hijacked" }),
    ).rejects.toMatchObject({ data: { error: "cant_update_message" } });
    await expect(
      slack.chat.update({ channel: "C0INCIDENTS", ts: "1.000002", text: "ghost" }),
    ).rejects.toMatchObject({ data: { error: "message_not_found" } });
  });

  it("opens a DM when posting to a user id", async () => {
    const posted = await slack.chat.postMessage({ channel: "U0ALICE", text: "You are paged" });
    expect(posted.channel).toMatch(/^D/);
    expect(emulator.world.dmWith("U0ALICE")?.id).toBe(posted.channel);
    const again = await slack.conversations.open({ users: "U0ALICE" });
    expect(again.channel?.id).toBe(posted.channel);
    expect(emulator.world.messages(posted.channel!)[0]?.text).toBe("You are paged");
  });

  it("pins, reacts and links to messages", async () => {
    const posted = await slack.chat.postMessage({
      channel: "C0INCIDENTS",
      text: "root cause found",
    });
    await slack.pins.add({ channel: "C0INCIDENTS", timestamp: posted.ts! });
    await expect(
      slack.pins.add({ channel: "C0INCIDENTS", timestamp: posted.ts! }),
    ).rejects.toMatchObject({
      data: { error: "already_pinned" },
    });
    await slack.reactions.add({ channel: "C0INCIDENTS", timestamp: posted.ts!, name: "pushpin" });
    await expect(
      slack.reactions.add({ channel: "C0INCIDENTS", timestamp: posted.ts!, name: "pushpin" }),
    ).rejects.toMatchObject({ data: { error: "already_reacted" } });
    expect(emulator.world.pins("C0INCIDENTS").map((message) => message.ts)).toEqual([posted.ts]);
    expect(emulator.world.message("C0INCIDENTS", posted.ts!)?.reactions).toEqual([
      { name: "pushpin", users: ["U0BOT"], count: 1 },
    ]);
    const link = await slack.chat.getPermalink({ channel: "C0INCIDENTS", message_ts: posted.ts! });
    expect(link.permalink).toBe(
      `${emulator.baseUrl}/archives/C0INCIDENTS/p${posted.ts!.replace(".", "")}`,
    );
  });
});

describe("ephemerals", () => {
  it("records responses posted to a response_url as Bolt's respond() sends them", async () => {
    const url = emulator.responseUrl("C0INCIDENTS", "U0ALICE");
    expect(url.startsWith(`${emulator.baseUrl}/response/`)).toBe(true);
    const respond = (body: unknown) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    expect(
      (await respond({ text: "Unknown subcommand `frobnicate`", response_type: "ephemeral" }))
        .status,
    ).toBe(200);
    expect((await respond({ text: "INC-3 declared", response_type: "in_channel" })).status).toBe(
      200,
    );
    expect((await respond({ response_type: "ephemeral" })).status).toBe(400);

    expect(emulator.ephemeralsFor("U0ALICE")).toMatchObject([
      { channel: "C0INCIDENTS", text: "Unknown subcommand `frobnicate`", source: "response_url" },
    ]);
    expect(emulator.world.messages("C0INCIDENTS").map((message) => message.text)).toEqual([
      "INC-3 declared",
    ]);
    expect(emulator.callsTo("response_url").map((call) => call.status)).toEqual([200, 200, 400]);
  });

  it("replaces the message a button was pressed on", async () => {
    const page = await slack.chat.postMessage({
      channel: "C0INCIDENTS",
      text: "You are paged [Acknowledge]",
    });
    const url = emulator.responseUrl("C0INCIDENTS", "U0BOB", { messageTs: page.ts! });
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ replace_original: true, text: "Acknowledged by @bob" }),
    });
    expect(response.status).toBe(200);
    expect(emulator.world.message("C0INCIDENTS", page.ts!)).toMatchObject({
      text: "Acknowledged by @bob",
      editCount: 1,
    });
  });

  it("posts ephemerals only to channel members", async () => {
    const posted = await slack.chat.postEphemeral({
      channel: "C0INCIDENTS",
      user: "U0DAVE",
      text: "psst",
    });
    expect(posted.message_ts).toMatch(/^\d+\.\d{6}$/);
    await expect(
      slack.chat.postEphemeral({ channel: "C0GENERAL", user: "U0BOT", text: "nope" }),
    ).rejects.toMatchObject({ data: { error: "user_not_in_channel" } });
    expect(emulator.ephemeralsFor("U0DAVE").map((ephemeral) => ephemeral.text)).toEqual(["psst"]);
  });
});

describe("fault injection", () => {
  it("answers 429 with Retry-After, records the call and leaves the world alone", async () => {
    emulator.faults.add({
      method: "conversations.create",
      kind: "rate_limited",
      retryAfterSeconds: 7,
      times: 1,
    });
    const impatient = clientFor({ rejectRateLimitedCalls: true });

    await expect(impatient.conversations.create({ name: "inc-9" })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
    expect(emulator.world.channelByName("inc-9")).toBeUndefined();
    expect(emulator.callsTo("conversations.create")[0]).toMatchObject({
      status: 429,
      fault: "rate_limited",
      args: { name: "inc-9" },
    });

    const raw = await fetch(`${emulator.apiUrl}auth.test`, {
      method: "POST",
      headers: { authorization: "Bearer xoxb-test" },
    });
    expect(raw.status).toBe(200);

    await impatient.conversations.create({ name: "inc-9" });
    expect(emulator.world.channelByName("inc-9")).toBeDefined();
  });

  it("lets WebClient's own retry get through once the fault is spent", async () => {
    emulator.faults.add({
      method: "chat.postMessage",
      kind: "rate_limited",
      retryAfterSeconds: 0,
      times: 2,
    });
    const patient = clientFor({ retryConfig: { retries: 3, minTimeout: 0, maxTimeout: 0 } });
    await patient.chat.postMessage({ channel: "C0INCIDENTS", text: "eventually" });
    expect(emulator.callsTo("chat.postMessage").map((call) => call.status)).toEqual([
      429, 429, 200,
    ]);
    expect(emulator.world.messages("C0INCIDENTS")).toHaveLength(1);
  });

  it("answers 5xx during an outage and recovers when it ends", async () => {
    emulator.faults.add({
      kind: "server_error",
      status: 503,
      untilMs: Date.now() + 60_000,
      times: 1,
    });
    await expect(
      slack.chat.postMessage({ channel: "C0INCIDENTS", text: "lost?" }),
    ).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 503,
    });
    expect(emulator.world.messages("C0INCIDENTS")).toHaveLength(0);
    await slack.chat.postMessage({ channel: "C0INCIDENTS", text: "delivered" });
    expect(emulator.world.messages("C0INCIDENTS").map((message) => message.text)).toEqual([
      "delivered",
    ]);
  });

  it("injects Slack errors, delays and expired faults", async () => {
    emulator.faults.add({
      method: "conversations.create",
      kind: "slack_error",
      error: "restricted_action",
    });
    await expect(slack.conversations.create({ name: "inc-x" })).rejects.toMatchObject({
      data: { error: "restricted_action" },
    });
    emulator.faults.clear();

    emulator.faults.add({ kind: "server_error", untilMs: Date.now() - 1 });
    emulator.faults.add({ method: ["auth.test"], kind: "slow", delayMs: 150, times: 1 });
    const started = Date.now();
    await slack.auth.test();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(emulator.faults.active).toHaveLength(0);
  });

  it("drops connections, and lets a slow call land after the client timed out", async () => {
    emulator.faults.add({ method: "chat.postMessage", kind: "connection_reset", times: 1 });
    await expect(
      slack.chat.postMessage({ channel: "C0INCIDENTS", text: "dropped" }),
    ).rejects.toMatchObject({
      code: ErrorCode.RequestError,
    });
    expect(emulator.callsTo("chat.postMessage")[0]).toMatchObject({
      status: 0,
      fault: "connection_reset",
    });
    expect(emulator.world.messages("C0INCIDENTS")).toHaveLength(0);

    emulator.faults.add({ method: "chat.postMessage", kind: "slow", delayMs: 300, times: 1 });
    const landed = new Promise<SlackActivity>((resolve) => emulator.onActivity(resolve));
    await expect(
      clientFor({ timeout: 50 }).chat.postMessage({ channel: "C0INCIDENTS", text: "late" }),
    ).rejects.toMatchObject({ code: ErrorCode.RequestError });
    expect(emulator.world.messages("C0INCIDENTS")).toHaveLength(0);
    expect((await landed).type).toBe("message_posted");
    expect(emulator.world.messages("C0INCIDENTS").map((message) => message.text)).toEqual(["late"]);
  });
});

describe("views", () => {
  const modal = (title: string) => ({
    type: "modal" as const,
    callback_id: "declare",
    title: { type: "plain_text" as const, text: title },
    blocks: [{ type: "section", text: { type: "mrkdwn", text: "Declare an incident" } }],
  });

  it("opens a modal once per trigger id and tracks the stack", async () => {
    const trigger = emulator.newTriggerId("U0ALICE");
    const opened = await slack.views.open({ trigger_id: trigger, view: modal("Declare") });
    expect(opened.view?.id).toMatch(/^V/);
    expect(emulator.world.views).toMatchObject([
      { id: opened.view?.id, user: "U0ALICE", callback_id: "declare" },
    ]);

    await expect(
      slack.views.open({ trigger_id: trigger, view: modal("Again") }),
    ).rejects.toMatchObject({
      data: { error: "expired_trigger_id" },
    });

    const pushed = await slack.views.push({
      trigger_id: emulator.newTriggerId("U0ALICE"),
      view: modal("Step 2"),
    });
    expect(pushed.view).toMatchObject({
      root_view_id: opened.view?.id,
      previous_view_id: opened.view?.id,
    });

    await expect(
      slack.views.update({ view_id: opened.view!.id!, hash: "stale", view: modal("Edited") }),
    ).rejects.toMatchObject({ data: { error: "hash_conflict" } });
    const updated = await slack.views.update({
      view_id: opened.view!.id!,
      hash: opened.view!.hash!,
      view: modal("Edited"),
    });
    expect(updated.view?.hash).not.toBe(opened.view?.hash);

    emulator.world.closeView(opened.view!.id!);
    expect(emulator.world.views).toHaveLength(0);
  });

  it("validates modals and publishes home tabs", async () => {
    await expect(
      slack.views.open({
        trigger_id: emulator.newTriggerId(),
        view: modal("A title longer than 24 chars"),
      }),
    ).rejects.toMatchObject({ data: { error: "invalid_arguments" } });

    await slack.views.publish({
      user_id: "U0BOB",
      view: {
        type: "home",
        blocks: [{ type: "header", text: { type: "plain_text", text: "Open incidents" } }],
      },
    });
    expect(emulator.world.homeTabs.get("U0BOB")?.blocks).toHaveLength(1);
    await expect(
      slack.views.publish({ user_id: "U0NOBODY", view: { type: "home", blocks: [] } }),
    ).rejects.toMatchObject({ data: { error: "user_not_found" } });
  });
});

describe("files", () => {
  it("uploads through filesUploadV2 and shares the file into a channel", async () => {
    const result = await slack.filesUploadV2({
      channel_id: "C0INCIDENTS",
      content: "Subject: INC-1 resolved\r\n\r\nAll good.",
      filename: "inc-1-resolved.eml",
      title: "Customer notice",
      initial_comment: "Approved notice attached",
    });
    expect(result.ok).toBe(true);

    const [file] = emulator.world.files;
    expect(file).toMatchObject({
      name: "inc-1-resolved.eml",
      title: "Customer notice",
      channels: ["C0INCIDENTS"],
    });
    expect(file?.bytes?.toString("utf8")).toBe("Subject: INC-1 resolved\r\n\r\nAll good.");

    const [message] = emulator.world.messages("C0INCIDENTS");
    expect(message).toMatchObject({ text: "Approved notice attached", files: [{ id: file?.id }] });
    expect(emulator.calls.map((call) => call.method)).toEqual([
      "files.getUploadURLExternal",
      "file_upload",
      "files.completeUploadExternal",
    ]);

    const info = await slack.files.info({ file: file!.id });
    const download = await fetch(info.file!.url_private!);
    expect(await download.text()).toBe("Subject: INC-1 resolved\r\n\r\nAll good.");
  });
});

describe("directory", () => {
  it("looks up users and user groups", async () => {
    const alice = await slack.users.lookupByEmail({ email: "alice@example.com" });
    expect(alice.user).toMatchObject({
      id: "U0ALICE",
      name: "alice",
      profile: { email: "alice@example.com" },
    });
    await expect(slack.users.lookupByEmail({ email: "nobody@example.com" })).rejects.toMatchObject({
      data: { error: "users_not_found" },
    });
    await expect(slack.users.info({ user: "U0GHOST" })).rejects.toMatchObject({
      data: { error: "user_not_found" },
    });

    const oncall = await slack.usergroups.users.list({ usergroup: "S0ONCALL" });
    expect(oncall.users).toEqual(["U0ALICE", "U0BOB"]);
    await expect(slack.usergroups.users.list({ usergroup: "S0NONE" })).rejects.toMatchObject({
      data: { error: "no_such_subteam" },
    });

    const everyone = await slack.users.list({});
    expect(everyone.members?.map((member) => member.id)).toEqual([
      "U0BOT",
      "U0ALICE",
      "U0BOB",
      "U0CAROL",
      "U0DAVE",
    ]);
    expect((await slack.team.info()).team?.id).toBe("T0TEAM");
  });
});

describe("activity transcript", () => {
  it("reports each change as a readable line", async () => {
    const activities: SlackActivity[] = [];
    const stop = emulator.onActivity((activity) => activities.push(activity));

    const { channel } = await slack.conversations.create({ name: "inc-1-checkout" });
    await slack.conversations.invite({ channel: channel!.id!, users: "U0ALICE" });
    await slack.chat.postMessage({
      channel: channel!.id!,
      text: "fallback",
      blocks: [
        { type: "header", text: { type: "plain_text", text: "INC-1 Checkout down" } },
        { type: "section", text: { type: "mrkdwn", text: "IC: <@U0ALICE>" } },
        {
          type: "actions",
          elements: [
            { type: "button", action_id: "ack", text: { type: "plain_text", text: "Acknowledge" } },
          ],
        },
      ],
    });
    await slack.chat.postEphemeral({ channel: channel!.id!, user: "U0ALICE", text: "Only you" });
    stop();
    await slack.chat.postMessage({ channel: channel!.id!, text: "not seen" });

    expect(activities.map((activity) => emulator.describe(activity))).toEqual([
      "#inc-1-checkout  + created by @incident-bot",
      "#inc-1-checkout  @incident-bot added @alice",
      "#inc-1-checkout  @incident-bot: INC-1 Checkout down / IC: @alice / [Acknowledge]",
      "#inc-1-checkout  (only @alice sees) Only you",
    ]);
  });
});

describe("Socket Mode", () => {
  const clients: SocketModeClient[] = [];

  /** A real SocketModeClient, as Bolt runs it, pointed at the emulator. */
  function socketClient(options: Partial<SocketModeOptions> = {}): SocketModeClient {
    const client = new SocketModeClient({
      appToken: "xapp-1-test",
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } },
      ...options,
    });
    clients.push(client);
    return client;
  }

  /** The next message a raw WebSocket receives, parsed. */
  function nextMessage(socket: WebSocket): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      socket.once("message", (data) => resolve(JSON.parse(String(data))));
    });
  }

  afterEach(async () => {
    // Before the emulator closes, or the clients would try to reconnect to nothing.
    await Promise.all(clients.splice(0).map((client) => client.disconnect()));
  });

  it("opens connections for app-level tokens only; other methods still refuse them", async () => {
    const opened = await clientFor({}, "xapp-1-test").apps.connections.open({});
    const port = new URL(emulator.baseUrl).port;
    expect(opened.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${port}/socket-mode/[0-9a-f]+$`));

    await expect(slack.apiCall("apps.connections.open")).rejects.toMatchObject({
      data: { error: "not_allowed_token_type" },
    });
    await expect(clientFor({}, "xapp-1-test").auth.test()).rejects.toMatchObject({
      data: { error: "not_allowed_token_type" },
    });
    await expect(clientFor({}, "nonsense").apiCall("apps.connections.open")).rejects.toMatchObject({
      data: { error: "invalid_auth" },
    });
    expect(emulator.callsTo("apps.connections.open").map((call) => call.token)).toEqual([
      "xapp-1-test",
      "xoxb-test",
      "nonsense",
    ]);
  });

  it("greets a socket with hello, takes acks by envelope id, and admits each URL once", async () => {
    const { url } = await clientFor({}, "xapp-1-test").apps.connections.open({});
    const socket = new WebSocket(url!);
    const hello = await nextMessage(socket);
    expect(hello).toEqual({
      type: "hello",
      num_connections: 1,
      debug_info: expect.objectContaining({ host: expect.any(String) }),
      connection_info: { app_id: emulator.world.appId },
    });
    expect(emulator.socketMode.connections).toBe(1);

    const envelopeArrives = nextMessage(socket);
    const acked = emulator.socketMode.sendSlashCommand({ command: "/incident", text: "help" });
    const envelope = await envelopeArrives;
    expect(envelope).toEqual({
      envelope_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: "slash_commands",
      payload: { command: "/incident", text: "help" },
      accepts_response_payload: true,
    });
    // An ack for some other envelope is ignored; the right one settles the send.
    socket.send(JSON.stringify({ envelope_id: "not-sent", payload: { text: "wrong" } }));
    socket.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: { text: "Usage" } }));
    expect(await acked).toEqual({ text: "Usage" });
    expect(emulator.socketMode.deliveries).toMatchObject([
      { type: "slash_commands", outcome: "acked", ackPayload: { text: "Usage" } },
    ]);

    const reused = new WebSocket(url!);
    const refusal = await new Promise<Error>((resolve) => reused.once("error", resolve));
    expect(refusal.message).toBe("Unexpected server response: 401");

    socket.close(1000);
    await emulator.socketMode.waitForConnections(0);
    const [connection] = emulator.socketMode.connectionLog;
    await expect.poll(() => connection!.closeCode).toBe(1000);
    expect(connection!.endedByEmulator).toBeUndefined();
  });

  it("drives a real SocketModeClient: slash commands, interactions and events, each acked", async () => {
    const client = socketClient();
    const seen: Array<{
      type: string;
      retryNum?: number;
      retryReason?: string;
      accepts?: boolean;
    }> = [];
    client.on("slash_commands", async ({ ack, body }) => {
      seen.push({ type: "slash_commands", accepts: true });
      await ack({ response_type: "ephemeral", text: `You typed ${body.text}` });
    });
    client.on("interactive", async ({ ack, body, accepts_response_payload }) => {
      seen.push({ type: body.type, accepts: accepts_response_payload });
      await ack();
    });
    client.on("app_mention", async ({ ack, retry_num, retry_reason, accepts_response_payload }) => {
      seen.push({
        type: "app_mention",
        retryNum: retry_num,
        retryReason: retry_reason,
        accepts: accepts_response_payload,
      });
      await ack();
    });
    await client.start();
    expect(emulator.socketMode.connections).toBe(1);

    const socket = emulator.socketMode;
    expect(
      await socket.sendSlashCommand({ command: "/incident", text: "list", user_id: "U0ALICE" }),
    ).toEqual({ response_type: "ephemeral", text: "You typed list" });
    expect(await socket.sendInteractive({ type: "block_actions", actions: [] })).toEqual({});
    await socket.sendEvent(
      { type: "event_callback", event_id: "Ev1", event: { type: "app_mention", text: "hi" } },
      { retryAttempt: 1, retryReason: "timeout" },
    );

    expect(seen).toEqual([
      { type: "slash_commands", accepts: true },
      { type: "block_actions", accepts: false },
      { type: "app_mention", retryNum: 1, retryReason: "timeout", accepts: false },
    ]);
    expect(socket.deliveries.map((delivery) => [delivery.type, delivery.outcome])).toEqual([
      ["slash_commands", "acked"],
      ["interactive", "acked"],
      ["events_api", "acked"],
    ]);

    await client.disconnect();
    // The close handshake is done once disconnect() resolves; the TCP connection ends just after.
    expect(socket.connections).toBe(0);
    await expect.poll(() => socket.connectionLog[0]!.closeCode).toBe(1000);
  });

  it("gives each envelope to one connection, round-robin", async () => {
    const received: string[][] = [[], []];
    for (const inbox of received) {
      const client = socketClient();
      client.on("slash_commands", async ({ ack, body }) => {
        inbox.push(body.text);
        await ack();
      });
      await client.start();
    }
    expect(emulator.socketMode.connections).toBe(2);
    for (const text of ["one", "two", "three", "four"]) {
      await emulator.socketMode.sendSlashCommand({ command: "/incident", text });
    }
    expect(received).toEqual([
      ["one", "three"],
      ["two", "four"],
    ]);
    expect(emulator.socketMode.deliveries.map((delivery) => delivery.connectionId)).toEqual([
      "conn-1",
      "conn-2",
      "conn-1",
      "conn-2",
    ]);
  });

  it("fails a send nobody acks in time, or that has no connection to go to", async () => {
    await expect(
      emulator.socketMode.sendSlashCommand({ command: "/incident", text: "help" }),
    ).rejects.toThrow(/No Socket Mode connection/);

    const client = socketClient();
    client.on("slash_commands", () => undefined);
    await client.start();
    await expect(
      emulator.socketMode.sendSlashCommand(
        { command: "/incident", text: "help" },
        { timeoutMs: 200 },
      ),
    ).rejects.toThrow(/No ack for slash_commands envelope .* within 200 ms/);
    expect(emulator.socketMode.deliveries.map((delivery) => delivery.outcome)).toEqual([
      "timed_out",
    ]);
  });

  it("pings and answers pings, and a disconnect message makes the client reconnect", async () => {
    await emulator.close();
    emulator = await startSlackEmulator({ socketModePingIntervalMs: 50 });
    // The client pings every clientPingTimeout / 3 and reconnects after clientPingTimeout.
    const client = socketClient({ clientPingTimeout: 300 });
    await client.start();
    // Five pings on the first connection: a client whose pings went unanswered would have
    // dropped it after its fourth (and reconnected), so the fifth shows the pongs arrived.
    await waitFor(
      () => emulator.socketMode.connectionLog[0]?.pingsFromClient ?? 0,
      (pings) => pings >= 5,
      { what: "the client's fifth ping on its first connection", timeoutMs: 5_000 },
    );
    const [first] = emulator.socketMode.connectionLog;
    expect(first!.pingsFromClient).toBeGreaterThan(0);
    expect(first!.pongsFromClient).toBeGreaterThan(0);
    expect(emulator.socketMode.connections).toBe(1);

    // Waiting for the client's own `connected` (it got hello), not just for the socket: a client
    // disconnected halfway through reconnecting leaves an unhandled rejection behind.
    const reconnected = new Promise((resolve) => client.once("connected", resolve));
    await emulator.socketMode.disconnectAll("refresh_requested");
    expect(first).toMatchObject({ endedByEmulator: "disconnect_message", closeCode: 1000 });
    await reconnected;
    expect(emulator.socketMode.connections).toBe(1);
    expect(emulator.socketMode.connectionLog).toHaveLength(2);
    expect(emulator.callsTo("apps.connections.open")).toHaveLength(2);
  });

  it("closes its sockets when the emulator closes", async () => {
    const client = socketClient({ autoReconnectEnabled: false });
    await client.start();
    const disconnected = new Promise<void>((resolve) => client.once("disconnected", resolve));
    await emulator.close();
    await disconnected;
    expect(emulator.socketMode.connections).toBe(0);
    expect(emulator.socketMode.connectionLog).toMatchObject([
      { endedByEmulator: "emulator_closed", closeCode: 1001 },
    ]);
  });
});
