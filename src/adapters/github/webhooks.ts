import type { IncomingMessage, ServerResponse } from "node:http";
import { type EmitterWebhookEvent, Webhooks } from "@octokit/webhooks";
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import type { Clock } from "../../core/clock.ts";
import {
  BodyTooLargeError,
  type HttpRoutes,
  readBody,
  RequestAbortedError,
  refuseTooLarge,
  sendJson,
} from "../../core/http/server.ts";
import type { Logger } from "../../core/logging.ts";

/**
 * The GitHub webhook receiver: `POST /github/webhook`. It owns the HTTP side
 * (body limit, `X-Hub-Signature-256` through @octokit/webhooks, the delivery
 * headers, JSON) and the once-per-delivery record, and hands the one event
 * the bot reacts to (an issue of the configured repository closed or
 * reopened) to `onIssueStateChanged`, typed and normalised.
 */

export const githubWebhookPath = "/github/webhook";

/**
 * GitHub caps payloads at 25 MB, but `issues` events are a few KB; a larger
 * body is not one the bot wants, and is not buffered.
 */
export const maxWebhookBytes = 5 * 1024 * 1024;

/** The state of one GitHub issue, from a webhook payload or the REST API. */
export interface IssueStateChange {
  number: number;
  state: "open" | "closed";
  stateReason: string | null;
  /** Who closed or reopened it (the webhook's sender), when known. */
  actor: string | null;
  /** GitHub's `updated_at`: orders states that arrive out of order. */
  updatedAt: Date;
  closedAt: Date | null;
}

export type WebhookStatus = "processed" | "ignored" | "duplicate";

export interface GitHubWebhookOptions {
  /** GITHUB_WEBHOOK_SECRET; without it every delivery is refused (503). */
  secret: string | undefined;
  /** `owner/name`: events about other repositories are ignored. */
  repository: string;
  prisma: PrismaClient;
  clock: Clock;
  log: Logger;
  maxBodyBytes?: number;
  /**
   * An issue of `repository` was closed or reopened. Runs in the transaction
   * that records the delivery, so a redelivery does nothing; what it returns
   * runs once that transaction has committed.
   */
  onIssueStateChanged(
    tx: Prisma.TransactionClient,
    change: IssueStateChange,
    now: Date,
  ): Promise<(() => void) | undefined>;
}

type IssueStatePayload = EmitterWebhookEvent<"issues.closed" | "issues.reopened">["payload"];

export function githubWebhookReceiver(options: GitHubWebhookOptions): HttpRoutes {
  const { log } = options;
  const maxBytes = options.maxBodyBytes ?? maxWebhookBytes;
  const webhooks = options.secret ? new Webhooks({ secret: options.secret }) : undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (!webhooks) {
      sendJson(response, 503, { error: "GITHUB_WEBHOOK_SECRET is not set: the bot refuses unsigned webhooks. Set it to the secret of the repository's webhook." });
      return;
    }
    const signature = header(request, "x-hub-signature-256");
    // Unsigned requests are turned away before their body is read.
    if (!signature) {
      sendJson(response, 401, { error: "X-Hub-Signature-256 missing; set the webhook's secret to GITHUB_WEBHOOK_SECRET" });
      request.resume();
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(request, maxBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        log.warn({ delivery: header(request, "x-github-delivery"), limit: error.limit }, "github webhook refused: body too large");
        refuseTooLarge(response);
        return;
      }
      // The client went away (or timed out): nobody is left to answer.
      if (error instanceof RequestAbortedError) return;
      throw error;
    }
    const text = body.toString("utf8");
    // verify() throws on an empty body: that is no signed event either.
    if (!(await webhooks.verify(text, signature).catch(() => false))) {
      log.warn({ delivery: header(request, "x-github-delivery") }, "github webhook refused: bad signature");
      sendJson(response, 401, { error: "signature does not match; check that GITHUB_WEBHOOK_SECRET is the webhook's secret" });
      return;
    }
    const deliveryId = header(request, "x-github-delivery");
    const event = header(request, "x-github-event") ?? "";
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      sendJson(response, 400, { error: "body is not JSON (set the webhook's content type to application/json)" });
      return;
    }
    // Signed, yet not an event object (null, a number, a list): nothing GitHub sends.
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      sendJson(response, 400, { error: "body is not a webhook event object" });
      return;
    }
    if (!deliveryId) {
      sendJson(response, 400, { error: "X-GitHub-Delivery header missing" });
      return;
    }
    const action = (payload as { action?: unknown }).action;
    const now = options.clock.now();
    const outcome = await options.prisma.$transaction(async (tx) => {
      const fresh = await tx.processedGitHubDelivery.createMany({
        data: [{ deliveryId, event, receivedAt: now }],
        skipDuplicates: true,
      });
      if (fresh.count === 0) return { status: "duplicate" as WebhookStatus };
      const change = issueStateChangeFrom(event, payload, options.repository);
      if (!change) return { status: "ignored" as WebhookStatus };
      return { status: "processed" as WebhookStatus, afterCommit: await options.onIssueStateChanged(tx, change, now) };
    });
    log.info({ delivery: deliveryId, event, action, status: outcome.status }, "github webhook");
    outcome.afterCommit?.();
    sendJson(response, 200, { status: outcome.status });
  };

  return { [`POST ${githubWebhookPath}`]: handle };
}

function isIssueStateEvent(event: string, payload: object): payload is IssueStatePayload {
  const action = (payload as { action?: unknown }).action;
  return event === "issues" && (action === "closed" || action === "reopened");
}

/**
 * The typed payload, read defensively all the same: a signed delivery is
 * GitHub's, but its fields are checked before the bot relies on them.
 */
function issueStateChangeFrom(event: string, payload: object, repository: string): IssueStateChange | undefined {
  if (!isIssueStateEvent(event, payload)) return undefined;
  const fullName: unknown = payload.repository?.full_name;
  if (typeof fullName !== "string" || fullName.toLowerCase() !== repository.toLowerCase()) return undefined;
  const issue: Partial<IssueStatePayload["issue"]> = payload.issue ?? {};
  const number: unknown = issue.number;
  const updatedAt = new Date(issue.updated_at ?? Number.NaN);
  if (typeof number !== "number" || Number.isNaN(updatedAt.getTime())) return undefined;
  return {
    number,
    // The issue's state as of `updated_at`, which the freshness check compares.
    state: issue.state === "closed" ? "closed" : "open",
    stateReason: issue.state_reason ?? null,
    actor: payload.sender?.login ?? null,
    updatedAt,
    closedAt: issue.closed_at ? new Date(issue.closed_at) : null,
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
