import type { Playbook } from "../../core/config/playbook.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { escapeForGitHub, safeLinkForGitHub } from "../../adapters/github/text.ts";
import { type GitHubClient, type GitHubIssue, GitHubUnavailableError, type NewIssue } from "../../adapters/github/client.ts";
import { incidentKey } from "../../domain/incidents/rules.ts";
import type { Logger } from "../../core/logging.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import { claimStillHeld, scheduleTimer, scheduleTimerOnce } from "../../core/scheduler/timers.ts";
import type { ClaimedTimer, TimerHandler, Transaction } from "../../core/scheduler/types.ts";
import { escapeMrkdwn, truncate } from "../../adapters/slack/escape.ts";
import type { SlackGateway } from "../../adapters/slack/gateway.ts";
import { enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import { renderRedactedPostmortemMarkdown } from "./postmortem/markdown.ts";
import { type GitHubExport, githubExportFor } from "./private-incidents.ts";

/**
 * The GitHub outbox: an action item or a postmortem is recorded first, with
 * `githubState = 'queued'`, and a durable timer opens its GitHub issue.
 */

export const githubIssueKind = "github.open_issue";
/** Pushes an action item's state (done or open again in Slack) to its issue. */
export const githubIssueStateKind = "github.push_issue_state";

export type IssueSubject = { type: "action_item" | "postmortem"; id: string };

export function issueTimerKey(subject: IssueSubject): string {
  return `github:issue:${subject.type}:${subject.id}`;
}

/** Queues the issue for `subject`, inside the transaction that records it. Once per subject. */
export async function queueGitHubIssue(tx: Transaction, subject: IssueSubject, now: Date): Promise<void> {
  await scheduleTimerOnce(
    tx,
    { kind: githubIssueKind, key: issueTimerKey(subject), dueAt: now, payload: { ...subject } },
    now,
  );
}

export function issueStateTimerKey(actionItemId: string): string {
  return `github:state:action_item:${actionItemId}`;
}

/**
 * Queues pushing an item's current state to its GitHub issue. One timer per
 * item: a later change moves it, and the handler pushes whatever the state is
 * when it runs.
 */
export async function queueIssueStatePush(tx: Transaction, actionItemId: string, now: Date): Promise<void> {
  await scheduleTimer(
    tx,
    { kind: githubIssueStateKind, key: issueStateTimerKey(actionItemId), dueAt: now, payload: { id: actionItemId } },
    now,
  );
}

export interface GitHubOutboxDependencies {
  prisma: PrismaClient;
  clock: Clock;
  playbook: Playbook;
  slack: SlackGateway;
  github: GitHubClient;
  log: Logger;
  actionItemsChanged(userIds: readonly string[]): void;
  /**
   * The clock GitHub's timestamps are compared with: the wall clock, whatever
   * clock schedules the timers (a test's or the demo's may run ahead).
   */
  wallClock?: Clock;
}

export function markerFor(subject: IssueSubject): string {
  return `<!-- incident-bot:${subject.type === "action_item" ? "action-item" : "postmortem"}:${subject.id} -->`;
}

/** Links to the incident channel in any workspace (Slack resolves app_redirect for the viewer). */
export function slackChannelLink(channelId: string): string {
  return `https://slack.com/app_redirect?channel=${channelId}`;
}

interface IssueDraft {
  incident: { id: string; number: number; title: string; severity: string; channelId: string | null };
  issue: NewIssue;
  /** Slack owner to map to a GitHub assignee. */
  ownerId: string | null;
  attemptedAt: Date | null;
  /** Whose App Home lists it. */
  watchers: string[];
  exported: GitHubExport;
}

/**
 * What the issue says. For a private incident it depends on
 * `followUps.privateIncidents`, read when the issue is opened (the moment
 * content leaves for GitHub): `skip` opens nothing, `redacted` a neutral
 * issue. Labels never carry the title, so they are the same in every mode.
 */
async function loadDraft(
  deps: Pick<GitHubOutboxDependencies, "prisma" | "playbook">,
  subject: IssueSubject,
): Promise<IssueDraft | "skip" | undefined> {
  const { prisma, playbook } = deps;
  if (subject.type === "action_item") {
    const item = await prisma.actionItem.findUnique({ where: { id: subject.id }, include: { incident: true } });
    if (!item || item.githubState !== "queued") return undefined;
    const { incident } = item;
    const exported = githubExportFor(playbook, incident);
    if (exported === "skip") return "skip";
    const key = incidentKey(incident.number);
    const due = item.dueOn ? item.dueOn.toISOString().slice(0, 10) : undefined;
    const channel = incident.channelId ? slackChannelLink(incident.channelId) : undefined;
    const source = item.sourceUrl ? safeLinkForGitHub(item.sourceUrl) : undefined;
    // Redacted: the item's own text was typed in the private channel too, so it stays there;
    // the issue says where to read it.
    const intro =
      exported === "redacted"
        ? [
            `Follow-up action item from **${key}**, a private incident (${incident.severity}).`,
            "",
            `What needs doing is written in Slack${channel ? `, in the incident's private channel: ${channel}` : ""}. The playbook's \`followUps.privateIncidents\` is \`redacted\`, so it is not copied here.`,
          ]
        : [
            `Follow-up action item from **${key}: ${escapeForGitHub(incident.title)}** (${incident.severity}).`,
            "",
            escapeForGitHub(item.text),
          ];
    const body = [
      ...intro,
      "",
      ...(due ? [`- Due: ${due}`] : []),
      ...(channel && exported !== "redacted" ? [`- Incident channel: ${channel}`] : []),
      ...(source ? [`- Source: [the Slack message](${source})`] : []),
      "",
      "Closing this issue marks the action item done in Slack; reopening it reopens the item.",
      "",
      markerFor(subject),
    ].join("\n");
    const title = exported === "redacted" ? `${key}: Follow-up from a private incident` : `${key}: ${firstLine(item.text)}`;
    return {
      incident,
      issue: { title: truncate(title, 200), body, labels: issueLabels(incident), assignees: [] },
      ownerId: item.ownerId,
      attemptedAt: item.githubAttemptedAt,
      watchers: [item.createdBy, ...(item.ownerId ? [item.ownerId] : [])],
      exported,
    };
  }
  const postmortem = await prisma.postmortem.findUnique({ where: { incidentId: subject.id }, include: { incident: true } });
  if (!postmortem || postmortem.githubState !== "queued" || !postmortem.markdown) return undefined;
  const { incident } = postmortem;
  const exported = githubExportFor(playbook, incident);
  if (exported === "skip") return "skip";
  const key = incidentKey(incident.number);
  const body =
    exported === "redacted"
      ? renderRedactedPostmortemMarkdown({
          incident,
          channelLink: incident.channelId ? slackChannelLink(incident.channelId) : null,
          reviewDueAt: postmortem.reviewDueAt,
          actionItems: await prisma.actionItem.findMany({
            where: { incidentId: incident.id },
            orderBy: [{ createdAt: "asc" }, { id: "asc" }],
            select: { state: true, githubNumber: true },
          }),
          timezone: playbook.followUps.timezone,
        })
      : // The draft is the bot's own Markdown, built from escaped text (src/capabilities/followups/postmortem/).
        postmortem.markdown;
  return {
    incident,
    issue: {
      title: truncate(exported === "redacted" ? `Postmortem: ${key} (private incident)` : `Postmortem: ${key}: ${incident.title}`, 200),
      body: `${body}\n\n${markerFor(subject)}`,
      labels: ["postmortem", ...issueLabels(incident)],
      assignees: [],
    },
    ownerId: postmortem.ownerId,
    attemptedAt: postmortem.githubAttemptedAt,
    watchers: postmortem.ownerId ? [postmortem.ownerId] : [],
    exported,
  };
}

/**
 * The playbook changed to `skip` while the issue was queued: nothing goes
 * out, and the subject is tracked in Slack only from now on.
 */
async function recordSkipped(tx: Transaction, subject: IssueSubject): Promise<void> {
  if (subject.type === "action_item") {
    await tx.actionItem.updateMany({ where: { id: subject.id, githubState: "queued" }, data: { githubState: "off" } });
  } else {
    await tx.postmortem.updateMany({ where: { incidentId: subject.id, githubState: "queued" }, data: { githubState: "off" } });
  }
}

function issueLabels(incident: { number: number; severity: string }): string[] {
  return ["incident", incident.severity, incidentKey(incident.number)];
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}

/**
 * Maps a Slack owner to a GitHub login: the playbook's `followUps.githubUsers`
 * first, else the owner's Slack email matched against GitHub's public emails.
 * An owner GitHub cannot assign is left unassigned (and named in the body).
 */
async function resolveAssignee(deps: GitHubOutboxDependencies, ownerId: string | null): Promise<string | undefined> {
  if (!ownerId) return undefined;
  let login: string | undefined = deps.playbook.followUps.githubUsers[ownerId];
  if (!login) {
    const email = await deps.slack.userEmail(ownerId).catch((error: unknown) => {
      deps.log.warn({ ownerId, reason: (error as Error).message }, "could not read the owner's Slack email");
      return undefined;
    });
    if (email) login = await optional(deps, "search users by email", () => deps.github.loginForEmail(email));
  }
  if (!login) return undefined;
  const found = login;
  return (await optional(deps, "check assignee", () => deps.github.canBeAssigned(found))) ? login : undefined;
}

/**
 * The assignee is a nicety: if GitHub refuses a lookup for good (not an
 * outage, which waits like everything else), the issue is opened unassigned.
 */
async function optional<T>(deps: GitHubOutboxDependencies, what: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof GitHubUnavailableError) throw error;
    deps.log.warn({ lookup: what, reason: (error as Error).message }, "assignee lookup failed; opening the issue unassigned");
    return undefined;
  }
}

const outageBackoffBaseMs = 30_000;
const outageBackoffMaxMs = 15 * 60_000;
/** GitHub's clock and ours may differ; look back this far for an issue our lost attempt created. */
const markerLookbackMs = 60 * 60_000;

export function outageRetryDelayMs(retries: number, retryAfterSeconds?: number): number {
  const backoff = Math.min(outageBackoffBaseMs * 2 ** retries, outageBackoffMaxMs);
  return Math.max(backoff, (retryAfterSeconds ?? 0) * 1000);
}

/**
 * Opens the GitHub issue of one queued action item or postmortem, exactly once:
 *
 *  1. Before the first create call, `github_attempted_at` is committed.
 *  2. If it was already set, an earlier attempt may have created the issue
 *     and died before recording it: the handler looks for the issue by its
 *     marker first, and records it instead of creating another.
 *  3. The issue is recorded, and its link posted, in the commit that
 *     finishes the timer.
 *
 * While GitHub is down or rate-limited the timer is rescheduled with backoff
 * (30 s doubling to 15 min, or Retry-After), for as long as it takes: a
 * GitHub outage is not a failure of the item. Other errors (a bad token, a
 * missing repository) go through the timer engine's retries and alert.
 */
export function createGitHubIssueHandler(deps: GitHubOutboxDependencies): TimerHandler {
  return async (timer, { now }) => {
    const type = timer.payload.type;
    if (type !== "action_item" && type !== "postmortem") throw new Error(`unknown GitHub issue subject "${String(type)}"`);
    const subject: IssueSubject = { type, id: String(timer.payload.id) };
    const draft = await loadDraft(deps, subject);
    if (!draft) return { kind: "done" };
    if (draft === "skip") {
      deps.log.info({ subject: subject.type, id: subject.id }, "private incident kept off github; issue not opened");
      return { kind: "done", effects: (tx) => recordSkipped(tx, subject) };
    }
    const marker = markerFor(subject);
    try {
      let issue = draft.attemptedAt
        ? await deps.github.findIssueByMarker(marker, new Date(draft.attemptedAt.getTime() - markerLookbackMs))
        : undefined;
      let assignee: string | undefined;
      if (!issue) {
        assignee = await resolveAssignee(deps, draft.ownerId);
        if (draft.ownerId && !assignee) {
          const name = await deps.slack.userName(draft.ownerId).catch(() => undefined);
          const owner = name ? `${escapeForGitHub(name)} (Slack ${draft.ownerId})` : `Slack user ${draft.ownerId}`;
          draft.issue.body = draft.issue.body.replace(marker, `Owner: ${owner}; no GitHub account matched, so the issue is unassigned.\n\n${marker}`);
        }
        if (!draft.attemptedAt && !(await markAttempted(deps, subject, timer))) {
          // Another replica took this timer over (our lease ran out): it does the work.
          return { kind: "done" };
        }
        issue = await deps.github.createIssue({ ...draft.issue, assignees: assignee ? [assignee] : [] });
        deps.log.info({ subject: subject.type, id: subject.id, issue: issue.number }, "github issue opened");
      } else {
        deps.log.info({ subject: subject.type, id: subject.id, issue: issue.number }, "github issue found by marker after a lost answer");
      }
      const found = issue;
      return {
        kind: "done",
        effects: (tx) => recordIssue(tx, subject, draft, found, assignee, now),
        afterCommit: () => deps.actionItemsChanged(draft.watchers),
      };
    } catch (error) {
      if (!(error instanceof GitHubUnavailableError)) throw error;
      const retries = Number(timer.payload.outageRetries ?? 0);
      const at = new Date(now.getTime() + outageRetryDelayMs(retries, error.retryAfterSeconds));
      deps.log.warn({ subject: subject.type, id: subject.id, retries, retryAt: at, reason: error.message }, "github unavailable; issue stays queued");
      return { kind: "reschedule", at, payload: { ...subject, outageRetries: retries + 1 } };
    }
  };
}

/**
 * Records that a create call is about to be made, only while this run still
 * holds the timer's claim and its lease has not run out: a run that stalled
 * past its lease must not create an issue beside the replica that took over.
 * (Every GitHub request times out after 15 s, well inside the 60 s lease.)
 * `github_attempted_at` is read from the wall clock, not the scheduling clock:
 * it is compared with GitHub's timestamps when looking for the issue later.
 */
async function markAttempted(
  deps: Pick<GitHubOutboxDependencies, "prisma" | "clock" | "wallClock">,
  subject: IssueSubject,
  timer: Pick<ClaimedTimer, "id" | "claimToken">,
): Promise<boolean> {
  const at = (deps.wallClock ?? systemClock).now();
  // One statement: the claim check and the mark are atomic, and wait for no transaction.
  const stillOurs = claimStillHeld(timer, deps.clock.now());
  const marked =
    subject.type === "action_item"
      ? await deps.prisma.$executeRaw`UPDATE action_items SET github_attempted_at = ${at}
          WHERE id = ${subject.id}::uuid AND github_state = 'queued' AND github_attempted_at IS NULL AND ${stillOurs}`
      : await deps.prisma.$executeRaw`UPDATE postmortems SET github_attempted_at = ${at}
          WHERE incident_id = ${subject.id}::uuid AND github_state = 'queued' AND github_attempted_at IS NULL AND ${stillOurs}`;
  return marked > 0;
}

async function recordIssue(
  tx: Transaction,
  subject: IssueSubject,
  draft: IssueDraft,
  issue: GitHubIssue,
  assignee: string | undefined,
  now: Date,
): Promise<void> {
  const recorded = { githubState: "created", githubNumber: issue.number, githubUrl: issue.url };
  let text: string;
  if (subject.type === "action_item") {
    const updated = await tx.actionItem.updateManyAndReturn({
      where: { id: subject.id, githubState: "queued" },
      data: { ...recorded, githubSyncedAt: issue.updatedAt, ...(assignee ? { githubAssignee: assignee } : {}), updatedAt: now },
    });
    const item = updated[0];
    if (!item) return;
    // Marked done in Slack while its issue was still queued: close the issue too.
    if (item.state === "done") await queueIssueStatePush(tx, item.id, now);
    const assigned = assignee ? ` Assigned to ${assignee} on GitHub.` : "";
    const redacted = draft.exported === "redacted" ? " The issue does not repeat its text: this incident is private." : "";
    text = `🔗 GitHub issue <${issue.url}|#${issue.number}> opened for the action item: ${escapeMrkdwn(truncate(item.text, 300))}.${assigned}${redacted}`;
  } else {
    const updated = await tx.postmortem.updateMany({ where: { incidentId: subject.id, githubState: "queued" }, data: recorded });
    if (updated.count === 0) return;
    text =
      draft.exported === "redacted"
        ? `📄 The postmortem's review is tracked as GitHub issue <${issue.url}|#${issue.number}>, which carries none of the draft: this incident is private (\`followUps.privateIncidents: redacted\`). The draft stays here.`
        : `📄 The postmortem draft is open for editing as GitHub issue <${issue.url}|#${issue.number}>.`;
  }
  if (draft.incident.channelId) {
    await enqueueSlackPost(
      tx,
      {
        key: `github:${subject.type}:${subject.id}:linked`,
        channelId: draft.incident.channelId,
        message: { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] },
        incidentId: draft.incident.id,
      },
      now,
    );
  }
}

/** Closes or reopens the issue of an item to match the item; idempotent. */
export function createIssueStateHandler(deps: Pick<GitHubOutboxDependencies, "prisma" | "github" | "log">): TimerHandler {
  return async (timer, { now }) => {
    const item = await deps.prisma.actionItem.findUnique({ where: { id: String(timer.payload.id) } });
    // Not created yet: recording the issue queues this push again.
    if (!item || item.githubState !== "created" || item.githubNumber === null) return { kind: "done" };
    const wanted = item.state === "done" ? "closed" : "open";
    try {
      const pushed = await deps.github.setIssueState(item.githubNumber, wanted);
      return {
        kind: "done",
        // The webhook that echoes this change carries the same updated_at, and is ignored.
        effects: async (tx) => {
          await tx.actionItem.updateMany({
            where: { id: item.id, OR: [{ githubSyncedAt: null }, { githubSyncedAt: { lt: pushed.updatedAt } }] },
            data: { githubSyncedAt: pushed.updatedAt },
          });
        },
      };
    } catch (error) {
      if (!(error instanceof GitHubUnavailableError)) throw error;
      const retries = Number(timer.payload.outageRetries ?? 0);
      const at = new Date(now.getTime() + outageRetryDelayMs(retries, error.retryAfterSeconds));
      deps.log.warn({ issue: item.githubNumber, retries, retryAt: at, reason: error.message }, "github unavailable; issue state push waits");
      return { kind: "reschedule", at, payload: { id: item.id, outageRetries: retries + 1 } };
    }
  };
}
