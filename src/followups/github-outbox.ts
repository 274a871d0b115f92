import { scheduleTimerOnce } from "../scheduler/timers.ts";
import type { Transaction } from "../scheduler/types.ts";

/**
 * The GitHub outbox: an action item or a postmortem is recorded first, with
 * `githubState = 'queued'`, and a durable timer opens its GitHub issue.
 */

export const githubIssueKind = "github.open_issue";

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
