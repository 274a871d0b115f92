import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Playbook } from "../../core/config/playbook.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { type GitHubClient, GitHubUnavailableError } from "../../adapters/github/client.ts";
import { type HttpRoutes, sendJson } from "../../core/http/server.ts";
import type { Logger } from "../../core/logging.ts";
import { scheduleTimerOnce } from "../../core/scheduler/timers.ts";
import type { TimerHandler, Transaction } from "../../core/scheduler/types.ts";
import type { Clock } from "../../core/clock.ts";
import { escapeMrkdwn, truncate } from "../../adapters/slack/escape.ts";
import { enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import { githubIssueKind, githubIssueStateKind, issueStateTimerKey } from "./github-outbox.ts";

/**
 * Closure sync: GitHub issue state flows back to action items, by webhook
 * (`POST /github/webhook`) and by a periodic reconcile, because GitHub does
 * not redeliver a webhook that was missed.
 */

export interface GitHubSyncDependencies {
  prisma: PrismaClient;
  playbook: Playbook;
  clock: Clock;
  log: Logger;
  /** `owner/name`: events about other repositories are ignored. */
  repository: string;
  wake(): void;
  actionItemsChanged(userIds: readonly string[]): void;
}

/** The state of one GitHub issue, from a webhook payload or the REST API. */
export interface IssueState {
  number: number;
  state: "open" | "closed";
  stateReason: string | null;
  /** Who closed or reopened it (the webhook's sender), when known. */
  actor: string | null;
  /** GitHub's `updated_at`: orders states that arrive out of order. */
  updatedAt: Date;
  closedAt: Date | null;
}

/**
 * Marks the action items mirrored by `issue` done or open again, notes it on
 * the timeline and in the incident channel. Returns the Slack users whose
 * views changed.
 *
 * Only news is applied. A state older than the last one applied
 * (`github_synced_at`, GitHub's clock, whole seconds) is ignored, so a late webhook or a
 * reconcile that re-reads an issue cannot undo a later change. And while a
 * change made in Slack is still waiting to be pushed to GitHub, GitHub's
 * older state does not overwrite it. Idempotent: a webhook and a reconcile of
 * the same change act once.
 */
export async function applyIssueState(
  tx: Transaction,
  issue: IssueState,
  via: "webhook" | "reconcile",
  now: Date,
): Promise<string[]> {
  const items = await tx.actionItem.findMany({
    where: {
      githubNumber: issue.number,
      githubState: "created",
      // GitHub's timestamps have whole seconds: a state from the same second is applied.
      OR: [{ githubSyncedAt: null }, { githubSyncedAt: { lte: issue.updatedAt } }],
    },
    include: { incident: { select: { id: true, channelId: true } } },
  });
  const watchers: string[] = [];
  for (const item of items) {
    const pushPending = await tx.timer.count({
      where: { key: issueStateTimerKey(item.id), state: { in: ["pending", "running"] } },
    });
    if (pushPending > 0) continue;
    const closing = issue.state === "closed";
    await tx.actionItem.update({ where: { id: item.id }, data: { githubSyncedAt: issue.updatedAt } });
    const changed = await tx.actionItem.updateMany({
      where: { id: item.id, state: closing ? "open" : "done" },
      data: closing
        ? { state: "done", doneAt: issue.closedAt ?? now, doneBy: issue.actor ? `github:${issue.actor}` : "github", updatedAt: now }
        : { state: "open", doneAt: null, doneBy: null, updatedAt: now },
    });
    if (changed.count === 0) continue;
    watchers.push(item.createdBy, ...(item.ownerId ? [item.ownerId] : []));
    await tx.timelineEvent.create({
      data: {
        incidentId: item.incidentId,
        kind: closing ? "action_item_done" : "action_item_reopened",
        occurredAt: closing ? (issue.closedAt ?? now) : issue.updatedAt,
        data: { actionItemId: item.id, text: item.text, githubNumber: issue.number, by: issue.actor, stateReason: issue.stateReason, via },
      },
    });
    if (!item.incident.channelId) continue;
    const who = issue.actor ? ` by ${escapeMrkdwn(issue.actor)}` : "";
    const reason = closing && issue.stateReason === "not_planned" ? " (closed as not planned)" : "";
    const text = closing
      ? `✅ Action item done: ${escapeMrkdwn(truncate(item.text, 300))}. GitHub issue <${item.githubUrl}|#${issue.number}> was closed${who}${reason}.`
      : `↩️ Action item reopened: ${escapeMrkdwn(truncate(item.text, 300))}. GitHub issue <${item.githubUrl}|#${issue.number}> was reopened${who}.`;
    await enqueueSlackPost(
      tx,
      {
        key: `action-item:${item.id}:${issue.state}:${issue.updatedAt.getTime()}`,
        channelId: item.incident.channelId,
        message: { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] },
        incidentId: item.incidentId,
      },
      now,
    );
  }
  return watchers;
}

// ── Webhook ─────────────────────────────────────────────────────────────

/**
 * GitHub caps payloads at 25 MB, but `issues` events are a few KB; a larger
 * body is not one the bot wants, and is not buffered.
 */
const maxWebhookBytes = 5 * 1024 * 1024;

export function verifyGitHubSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith("sha256=")) return false;
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface IssuesEventPayload {
  action?: string;
  issue?: { number?: number; state?: string; state_reason?: string | null; updated_at?: string; closed_at?: string | null };
  repository?: { full_name?: string };
  sender?: { login?: string };
}

export function githubWebhookRoutes(deps: GitHubSyncDependencies & { secret: string | undefined }): HttpRoutes {
  return {
    "POST /github/webhook": async (request, response) => {
      if (!deps.secret) {
        sendJson(response, 503, { error: "GITHUB_WEBHOOK_SECRET is not set: the bot refuses unsigned webhooks. Set it to the secret of the repository's webhook." });
        return;
      }
      // Unsigned requests are turned away before their body is read.
      if (!header(request, "x-hub-signature-256")) {
        sendJson(response, 401, { error: "X-Hub-Signature-256 missing; set the webhook's secret to GITHUB_WEBHOOK_SECRET" });
        request.resume();
        return;
      }
      const body = await readBody(request, maxWebhookBytes);
      if (!body) {
        sendJson(response, 413, { error: "payload too large" });
        return;
      }
      if (!verifyGitHubSignature(deps.secret, body, header(request, "x-hub-signature-256"))) {
        deps.log.warn({ delivery: header(request, "x-github-delivery") }, "github webhook refused: bad signature");
        sendJson(response, 401, { error: "signature does not match; check that GITHUB_WEBHOOK_SECRET is the webhook's secret" });
        return;
      }
      const deliveryId = header(request, "x-github-delivery");
      const event = header(request, "x-github-event") ?? "";
      let payload: IssuesEventPayload;
      try {
        payload = JSON.parse(body.toString("utf8")) as IssuesEventPayload;
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
      const now = deps.clock.now();
      const outcome = await deps.prisma.$transaction(async (tx) => {
        const fresh = await tx.processedGitHubDelivery.createMany({
          data: [{ deliveryId, event, receivedAt: now }],
          skipDuplicates: true,
        });
        if (fresh.count === 0) return { status: "duplicate" as const, watchers: [] };
        const issue = issueStateFromEvent(event, payload, deps.repository);
        if (!issue) return { status: "ignored" as const, watchers: [] };
        return { status: "processed" as const, watchers: await applyIssueState(tx, issue, "webhook", now) };
      });
      deps.log.info({ delivery: deliveryId, event, action: payload.action, status: outcome.status }, "github webhook");
      if (outcome.watchers.length > 0) {
        deps.wake();
        deps.actionItemsChanged(outcome.watchers);
      }
      sendJson(response, 200, { status: outcome.status });
    },
  };
}

function issueStateFromEvent(event: string, payload: IssuesEventPayload, repository: string): IssueState | undefined {
  if (event !== "issues" || (payload.action !== "closed" && payload.action !== "reopened")) return undefined;
  const fullName = payload.repository?.full_name;
  if (typeof fullName !== "string" || fullName.toLowerCase() !== repository.toLowerCase()) return undefined;
  const number = payload.issue?.number;
  const updatedAt = new Date(payload.issue?.updated_at ?? Number.NaN);
  if (typeof number !== "number" || Number.isNaN(updatedAt.getTime())) return undefined;
  const closedAt = payload.issue?.closed_at ? new Date(payload.issue.closed_at) : null;
  return {
    number,
    // The issue's state as of `updated_at`, which the freshness check compares.
    state: payload.issue?.state === "closed" ? "closed" : "open",
    stateReason: payload.issue?.state_reason ?? null,
    actor: payload.sender?.login ?? null,
    updatedAt,
    closedAt,
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

// ── Reconcile ───────────────────────────────────────────────────────────

export const githubReconcileKind = "github.reconcile";
const reconcileKey = "github:reconcile";
/** The first reconcile looks back this far; later ones continue from the last issue seen. */
const firstLookbackMs = 90 * 24 * 60 * 60_000;
/** Re-read a little before the cursor: updates in the same second may have been missed. */
const cursorOverlapMs = 60_000;

/**
 * At startup: schedules the periodic reconcile (one timer per database;
 * replicas share it), and gives GitHub work that failed for good another
 * chance. Such work failed on something a person had to fix (a revoked
 * token, a wrong GITHUB_REPOSITORY); a restart is when that fix arrives.
 */
export async function prepareGitHubTimers(deps: GitHubSyncDependencies): Promise<{ revived: number }> {
  const now = deps.clock.now();
  return deps.prisma.$transaction(async (tx) => {
    const revived = await tx.$executeRaw`
      UPDATE timers SET state = 'pending', attempts = 0, due_at = ${now}, last_error = NULL,
        finished_at = NULL, updated_at = ${now}
      WHERE state = 'failed' AND kind IN (${githubIssueKind}, ${githubIssueStateKind}, ${githubReconcileKind})`;
    await scheduleTimerOnce(
      tx,
      { kind: githubReconcileKind, key: reconcileKey, dueAt: new Date(now.getTime() + reconcileIntervalMs(deps.playbook)) },
      now,
    );
    return { revived };
  });
}

function reconcileIntervalMs(playbook: Playbook): number {
  return playbook.followUps.reconcileMinutes * 60_000;
}

/**
 * Lists the repository's issues updated since the last run and
 * applies their state; runs every `followUps.reconcileMinutes`. GitHub being
 * down just means trying again next time.
 */
export function createReconcileHandler(deps: GitHubSyncDependencies & { github: GitHubClient }): TimerHandler {
  return async (timer, { now }) => {
    const next = new Date(now.getTime() + reconcileIntervalMs(deps.playbook));
    const since = typeof timer.payload.since === "string" ? new Date(timer.payload.since) : new Date(Date.now() - firstLookbackMs);
    let issues;
    try {
      // Not filtered by label: someone may have removed `incident` from an issue.
      issues = await deps.github.listIssuesUpdatedSince(since);
    } catch (error) {
      if (!(error instanceof GitHubUnavailableError)) throw error;
      deps.log.warn({ reason: error.message, retryAt: next }, "github reconcile skipped: GitHub unavailable");
      return { kind: "reschedule", at: next };
    }
    // A listed issue does not say who closed it; ask for the few that change an item.
    const closedNumbers = issues.filter((issue) => issue.state === "closed").map((issue) => issue.number);
    const closing = closedNumbers.length === 0 ? [] : await deps.prisma.actionItem.findMany({
      where: { githubNumber: { in: closedNumbers }, githubState: "created", state: "open" },
      select: { githubNumber: true },
    });
    for (const number of new Set(closing.map((item) => item.githubNumber!))) {
      const detailed = await deps.github.getIssue(number).catch(() => undefined);
      const listed = issues.find((issue) => issue.number === number);
      if (detailed && listed) listed.closedBy = detailed.closedBy;
    }
    const latest = issues.reduce((max, issue) => Math.max(max, issue.updatedAt.getTime()), since.getTime() + cursorOverlapMs);
    const watchers: string[] = [];
    return {
      kind: "reschedule",
      at: next,
      payload: { since: new Date(latest - cursorOverlapMs).toISOString() },
      effects: async (tx) => {
        for (const issue of issues) {
          const state: IssueState = {
            number: issue.number,
            state: issue.state,
            stateReason: issue.stateReason,
            actor: issue.state === "closed" ? issue.closedBy : null,
            updatedAt: issue.updatedAt,
            closedAt: issue.closedAt,
          };
          watchers.push(...(await applyIssueState(tx, state, "reconcile", now)));
        }
      },
      afterCommit: () => {
        if (watchers.length === 0) return;
        deps.wake();
        deps.actionItemsChanged(watchers);
      },
    };
  };
}
