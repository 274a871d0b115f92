import type { Playbook } from "../../core/config/playbook.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { type GitHubClient, GitHubUnavailableError } from "../../adapters/github/client.ts";
import { githubWebhookReceiver, type IssueStateChange } from "../../adapters/github/webhooks.ts";
import type { HttpRoutes } from "../../core/http/server.ts";
import type { Logger } from "../../core/logging.ts";
import { isTimerActive, reviveFailedTimers, scheduleTimerOnce } from "../../core/scheduler/timers.ts";
import type { TimerHandler, Transaction } from "../../core/scheduler/types.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import { escapeMrkdwn, truncate } from "../../adapters/slack/escape.ts";
import { enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import { appendTimeline } from "../../domain/incidents/timeline.ts";
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
  /**
   * The clock GitHub's timestamps are compared with: the wall clock, whatever
   * clock schedules the timers (a test's or the demo's may run ahead).
   */
  wallClock?: Clock;
}

/** The state of one GitHub issue, from a webhook payload or the REST API. */
export type IssueState = IssueStateChange;

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
    if (await isTimerActive(tx, issueStateTimerKey(item.id))) continue;
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
    await appendTimeline(tx, {
      incidentId: item.incidentId,
      kind: closing ? "action_item_done" : "action_item_reopened",
      // Done on GitHub: the GitHub login is in `by`; no Slack user acted.
      actorId: null,
      at: closing ? (issue.closedAt ?? now) : issue.updatedAt,
      data: { actionItemId: item.id, text: item.text, githubNumber: issue.number, by: issue.actor, stateReason: issue.stateReason, via },
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
 * `POST /github/webhook` (src/adapters/github/webhooks.ts verifies, parses
 * and deduplicates it); the reaction here is the domain's: the items of the
 * closed or reopened issue follow it.
 */
export function githubWebhookRoutes(deps: GitHubSyncDependencies & { secret: string | undefined }): HttpRoutes {
  return githubWebhookReceiver({
    secret: deps.secret,
    repository: deps.repository,
    prisma: deps.prisma,
    clock: deps.clock,
    log: deps.log,
    onIssueStateChanged: async (tx, issue, now) => {
      const watchers = await applyIssueState(tx, issue, "webhook", now);
      return watchers.length > 0 ? () => notifyWatchers(deps, watchers) : undefined;
    },
  });
}

function notifyWatchers(deps: Pick<GitHubSyncDependencies, "wake" | "actionItemsChanged">, watchers: string[]): void {
  deps.wake();
  deps.actionItemsChanged(watchers);
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
    const revived = await reviveFailedTimers(tx, [githubIssueKind, githubIssueStateKind, githubReconcileKind], now);
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
    const wallNow = (deps.wallClock ?? systemClock).now();
    const since = typeof timer.payload.since === "string" ? new Date(timer.payload.since) : new Date(wallNow.getTime() - firstLookbackMs);
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
        if (watchers.length > 0) notifyWatchers(deps, watchers);
      },
    };
  };
}
