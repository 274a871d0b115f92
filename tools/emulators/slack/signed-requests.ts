import { createHmac } from "node:crypto";

/**
 * Sends requests into the bot's /slack/events exactly as Slack does: a form
 * or JSON body, `X-Slack-Request-Timestamp`, and the `v0=` HMAC-SHA256
 * signature over `v0:<timestamp>:<body>` with the signing secret.
 */

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export interface SignOptions {
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  /** Sign with this secret instead of the right one (forgery tests). */
  secret?: string;
  headers?: Record<string, string>;
}

export interface SlashCommandOptions extends SignOptions {
  userId?: string;
  channelId?: string;
  channelName?: string;
  triggerId?: string;
  responseUrl?: string;
}

let triggerCounter = 0;
/** The fields every interaction payload opens with, as Slack sends them. */
function interactionHeader(type: string, userId: string): Record<string, unknown> {
  return {
    type,
    team: { id: "T0TEAM", domain: "example" },
    user: { id: userId, username: userId.toLowerCase(), team_id: "T0TEAM" },
    api_app_id: "A0BOT",
    token: "verification-token-unused",
    trigger_id: newTriggerId(),
  };
}

export function newTriggerId(): string {
  triggerCounter += 1;
  return `${Date.now()}.${triggerCounter}.trigger`;
}

export class SlackRequestSender {
  constructor(
    private readonly appUrl: string,
    private readonly signingSecret: string,
    private readonly responseUrlFor: (channelId: string, userId: string) => string,
  ) {}

  async post(body: string, contentType: string, options: SignOptions = {}): Promise<Response> {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    return fetch(`${this.appUrl}/slack/events`, {
      method: "POST",
      headers: {
        "content-type": contentType,
        "x-slack-request-timestamp": String(timestamp),
        "x-slack-signature": slackSignature(options.secret ?? this.signingSecret, timestamp, body),
        ...options.headers,
      },
      body,
    });
  }

  slashCommand(text: string, options: SlashCommandOptions = {}): Promise<Response> {
    const userId = options.userId ?? "U0ALICE";
    const channelId = options.channelId ?? "C0GENERAL";
    const form = new URLSearchParams({
      token: "verification-token-unused",
      team_id: "T0TEAM",
      team_domain: "example",
      channel_id: channelId,
      channel_name: options.channelName ?? "general",
      user_id: userId,
      user_name: userId.toLowerCase(),
      command: "/incident",
      text,
      api_app_id: "A0BOT",
      is_enterprise_install: "false",
      response_url: options.responseUrl ?? this.responseUrlFor(channelId, userId),
      trigger_id: options.triggerId ?? newTriggerId(),
    });
    return this.post(form.toString(), "application/x-www-form-urlencoded", options);
  }

  interactive(payload: Record<string, unknown>, options: SignOptions = {}): Promise<Response> {
    const form = new URLSearchParams({ payload: JSON.stringify(payload) });
    return this.post(form.toString(), "application/x-www-form-urlencoded", options);
  }

  viewSubmission(
    view: {
      id?: string;
      callback_id: string;
      private_metadata?: string;
      values: Record<string, Record<string, unknown>>;
    },
    userId = "U0ALICE",
    options: SignOptions = {},
  ): Promise<Response> {
    return this.interactive(
      {
        ...interactionHeader("view_submission", userId),
        view: {
          id: view.id ?? "V0TEST",
          type: "modal",
          callback_id: view.callback_id,
          private_metadata: view.private_metadata ?? "",
          state: { values: view.values },
          hash: "hash",
          team_id: "T0TEAM",
          app_id: "A0BOT",
          bot_id: "B0BOT",
        },
        response_urls: [],
      },
      options,
    );
  }

  blockAction(
    action: {
      action_id: string;
      value?: string;
      block_id?: string;
      type?: string;
      selected_options?: { value: string }[];
      selected_user?: string;
    },
    context: { userId?: string; channelId?: string; messageTs?: string; responseUrl?: string } = {},
    options: SignOptions = {},
  ): Promise<Response> {
    const userId = context.userId ?? "U0ALICE";
    const channelId = context.channelId ?? "C0GENERAL";
    return this.interactive(
      {
        ...interactionHeader("block_actions", userId),
        container: {
          type: "message",
          message_ts: context.messageTs ?? "1.000001",
          channel_id: channelId,
        },
        channel: { id: channelId, name: "channel" },
        message: { ts: context.messageTs ?? "1.000001", text: "" },
        response_url: context.responseUrl ?? this.responseUrlFor(channelId, userId),
        actions: [
          {
            type: action.type ?? "button",
            action_id: action.action_id,
            block_id: action.block_id ?? "block",
            ...(action.value !== undefined ? { value: action.value } : {}),
            ...(action.selected_options ? { selected_options: action.selected_options } : {}),
            ...(action.selected_user ? { selected_user: action.selected_user } : {}),
            action_ts: String(Date.now() / 1000),
          },
        ],
      },
      options,
    );
  }

  event(
    event: Record<string, unknown>,
    options: SignOptions & { eventId?: string; retryNum?: number } = {},
  ): Promise<Response> {
    const body = JSON.stringify({
      token: "verification-token-unused",
      team_id: "T0TEAM",
      api_app_id: "A0BOT",
      type: "event_callback",
      event_id: options.eventId ?? `Ev${Date.now()}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: "T0TEAM", user_id: "U0BOT", is_bot: true }],
      event,
    });
    const headers: Record<string, string> = { ...options.headers };
    if (options.retryNum !== undefined) {
      headers["x-slack-retry-num"] = String(options.retryNum);
      headers["x-slack-retry-reason"] = "http_timeout";
    }
    return this.post(body, "application/json", { ...options, headers });
  }
}
