import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import {
  renderComment,
  renderIssue,
  renderLabel,
  renderOrganization,
  renderRepository,
  renderSimpleUser,
  type Urls,
} from "./shapes.ts";
import type { WorldEvent } from "./world.ts";

export type WebhookConfig = {
  /** Where deliveries are POSTed, e.g. the bot's `http://127.0.0.1:PORT/github/webhook`. */
  url: string;
  /** Signs deliveries (`X-Hub-Signature-256`); unsigned when absent, as GitHub does. */
  secret?: string;
  /** Event names the hook subscribes to; `["issues"]` by default, `["*"]` for all. */
  events?: readonly string[];
  /** GitHub gives up on a receiver after 10 s. */
  timeoutMs?: number;
};

export type WebhookDelivery = {
  /** `X-GitHub-Delivery`; a redelivery keeps the original's. */
  id: string;
  hookId: number;
  event: string;
  action?: string;
  url: string;
  /** Exactly the headers sent. */
  headers: Record<string, string>;
  /** The raw body, byte for byte what was signed. */
  body: string;
  payload: Record<string, unknown>;
  redelivery: boolean;
  at: Date;
  /** The receiver's HTTP status; 0 when it could not be reached or timed out. */
  status: number;
  responseBody?: string;
  error?: string;
  durationMs: number;
};

/** A payload ready to send, rendered when the change happened. */
export type WebhookEvent = {
  event: string;
  action: string;
  payload: Record<string, unknown>;
  repositoryId: number;
};

/** Deliveries travel as GitHub's do: a fresh connection each, no redirects followed. */
export class WebhookSender {
  private config: WebhookConfig | undefined;
  private readonly recorded: WebhookDelivery[] = [];
  private readonly inFlight = new Set<{ destroy(): void }>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  readonly hookId = 400_000_000 + Math.floor(Math.random() * 99_999_999);
  /** GitHub-Hookshot's version is a short commit hash. */
  private readonly userAgent = `GitHub-Hookshot/${randomBytes(4).toString("hex").slice(0, 7)}`;

  constructor(private readonly now: () => number = Date.now) {}

  /** Points the repository hook at a receiver; replaces any earlier configuration. */
  configure(config: WebhookConfig): void {
    if (!URL.canParse(config.url)) throw new TypeError(`Webhook URL ${config.url} is not a URL`);
    this.config = { ...config };
  }

  /** Removes the hook: later changes are not delivered at all. */
  disable(): void {
    this.config = undefined;
  }

  get configuration(): Readonly<WebhookConfig> | undefined {
    return this.config;
  }

  get deliveries(): readonly WebhookDelivery[] {
    return this.recorded;
  }

  delivery(id: string): WebhookDelivery | undefined {
    return this.recorded.find((delivery) => delivery.id === id);
  }

  deliveriesFor(event: string, action?: string): WebhookDelivery[] {
    return this.recorded.filter(
      (delivery) =>
        delivery.event === event && (action === undefined || delivery.action === action),
    );
  }

  resetDeliveries(): void {
    this.recorded.length = 0;
  }

  /** Resolves when every queued delivery has been answered or has failed. */
  async idle(): Promise<void> {
    let seen: Promise<unknown> | undefined;
    while (seen !== this.queue) {
      seen = this.queue;
      await seen;
    }
  }

  /**
   * Queues a delivery when a hook subscribes to the event. Deliveries go out one at a time in
   * the order of the changes, after the API call that caused them has been answered.
   */
  send(event: WebhookEvent): Promise<WebhookDelivery> | undefined {
    const config = this.config;
    if (!config || this.closed || !subscribes(config, event.event)) return undefined;
    const body = JSON.stringify({ action: event.action, ...event.payload });
    const delivery = this.enqueue(config, {
      id: randomUUID(),
      event: event.event,
      action: event.action,
      body,
      repositoryId: event.repositoryId,
      redelivery: false,
    });
    return delivery;
  }

  /** Sends a past delivery again with the same `X-GitHub-Delivery`, as "Redeliver" on GitHub does. */
  redeliver(id: string): Promise<WebhookDelivery> {
    const original = this.delivery(id);
    if (!original) return Promise.reject(new Error(`No webhook delivery ${id} to redeliver`));
    const config = this.config;
    if (!config)
      return Promise.reject(new Error("The webhook was disabled; nothing to redeliver to"));
    const repositoryId = Number(original.headers["x-github-hook-installation-target-id"] ?? 0);
    return this.enqueue(config, {
      id: original.id,
      event: original.event,
      ...(original.action !== undefined ? { action: original.action } : {}),
      body: original.body,
      repositoryId,
      redelivery: true,
    });
  }

  close(): void {
    this.closed = true;
    for (const request of this.inFlight) request.destroy();
  }

  private enqueue(
    config: WebhookConfig,
    item: {
      id: string;
      event: string;
      action?: string;
      body: string;
      repositoryId: number;
      redelivery: boolean;
    },
  ): Promise<WebhookDelivery> {
    const headers: Record<string, string> = {
      accept: "*/*",
      "content-type": "application/json",
      "user-agent": this.userAgent,
      "x-github-delivery": item.id,
      "x-github-event": item.event,
      "x-github-hook-id": String(this.hookId),
      "x-github-hook-installation-target-id": String(item.repositoryId),
      "x-github-hook-installation-target-type": "repository",
    };
    if (config.secret !== undefined) {
      headers["x-hub-signature"] =
        `sha1=${createHmac("sha1", config.secret).update(item.body).digest("hex")}`;
      headers["x-hub-signature-256"] =
        `sha256=${createHmac("sha256", config.secret).update(item.body).digest("hex")}`;
    }
    const run = async (): Promise<WebhookDelivery> => {
      const startedAt = this.now();
      const outcome = await this.post(config.url, headers, item.body, config.timeoutMs ?? 10_000);
      const delivery: WebhookDelivery = {
        id: item.id,
        hookId: this.hookId,
        event: item.event,
        ...(item.action !== undefined ? { action: item.action } : {}),
        url: config.url,
        headers,
        body: item.body,
        payload: JSON.parse(item.body) as Record<string, unknown>,
        redelivery: item.redelivery,
        at: new Date(startedAt),
        durationMs: Math.max(0, this.now() - startedAt),
        ...outcome,
      };
      this.recorded.push(delivery);
      return delivery;
    };
    // Waiting for the API response to be written first mirrors GitHub, whose hooks are async.
    const delivery = this.queue
      .then(() => new Promise((resolve) => setImmediate(resolve)))
      .then(run);
    this.queue = delivery.catch(() => undefined);
    return delivery;
  }

  private post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<{ status: number; responseBody?: string; error?: string }> {
    if (this.closed) return Promise.resolve({ status: 0, error: "emulator closed" });
    return new Promise((resolve) => {
      const target = new URL(url);
      const send = target.protocol === "https:" ? httpsRequest : httpRequest;
      const request = send(target, {
        method: "POST",
        agent: false,
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        timeout: timeoutMs,
      });
      this.inFlight.add(request);
      const finish = (result: { status: number; responseBody?: string; error?: string }) => {
        this.inFlight.delete(request);
        resolve(result);
      };
      request.on("timeout", () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      request.on("error", (error) => finish({ status: 0, error: error.message }));
      request.on("response", (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (error) => finish({ status: 0, error: error.message }));
        response.on("end", () =>
          finish({
            status: response.statusCode ?? 0,
            responseBody: Buffer.concat(chunks).toString("utf8").slice(0, 10_000),
          }),
        );
      });
      request.end(body);
    });
  }
}

function subscribes(config: WebhookConfig, event: string): boolean {
  const events = config.events ?? ["issues"];
  return events.includes("*") || events.includes(event);
}

/** The payload GitHub sends for a change, rendered at the moment of the change. */
export function webhookEventFor(event: WorldEvent, urls: Urls): WebhookEvent {
  const { issue, sender } = event;
  const repo = issue.repo;
  const context = {
    repository: renderRepository(repo, urls),
    ...(repo.owner.type === "Organization"
      ? { organization: renderOrganization(repo.owner, urls) }
      : {}),
    sender: renderSimpleUser(sender, urls),
  };
  if (event.event === "issue_comment") {
    return {
      event: "issue_comment",
      action: event.action,
      repositoryId: repo.id,
      payload: {
        issue: renderIssue(issue, urls),
        comment: renderComment(event.comment, urls),
        ...context,
      },
    };
  }
  return {
    event: "issues",
    action: event.action,
    repositoryId: repo.id,
    payload: {
      issue: renderIssue(issue, urls),
      ...(event.changes ? { changes: event.changes } : {}),
      ...(event.label ? { label: renderLabel(repo, event.label, urls) } : {}),
      ...(event.assignee ? { assignee: renderSimpleUser(event.assignee, urls) } : {}),
      ...context,
    },
  };
}
