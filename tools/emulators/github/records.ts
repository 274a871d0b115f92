/**
 * The emulator's own model of GitHub's objects, shared by the world that mutates them and the
 * shapes that render them as GitHub's JSON. It imports nothing, so neither depends on the other
 * through it.
 */

export type StateReason = "completed" | "not_planned" | "duplicate" | "reopened";

export type UserRecord = {
  id: number;
  login: string;
  name: string | null;
  /** The public email: GitHub's user search only finds users by an email they made public. */
  email: string | null;
  type: "User" | "Organization" | "Bot";
  createdAt: number;
};

export type LabelRecord = {
  id: number;
  name: string;
  color: string;
  description: string | null;
  isDefault: boolean;
};

export type RepoRecord = {
  id: number;
  owner: UserRecord;
  name: string;
  fullName: string;
  private: boolean;
  description: string | null;
  hasIssues: boolean;
  defaultBranch: string;
  /** Lower-cased logins with push access: they may set labels and assignees and be assigned. */
  collaborators: Set<string>;
  createdAt: number;
  updatedAt: number;
  /** Issue and pull request numbers share one sequence per repository on GitHub. */
  nextNumber: number;
  issues: Map<number, IssueRecord>;
  /** By lower-cased name: GitHub label names are case-insensitive. */
  labels: Map<string, LabelRecord>;
};

export type IssueRecord = {
  id: number;
  number: number;
  repo: RepoRecord;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: StateReason | null;
  labels: LabelRecord[];
  assignees: UserRecord[];
  author: UserRecord;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  closedBy: UserRecord | null;
  comments: CommentRecord[];
  /** Set by `deleteIssue`; GitHub then answers 410 Gone for the issue. */
  deletedAt: number | null;
  /** When search starts returning the issue: GitHub's search index is eventually consistent. */
  indexedAt: number;
};

export type CommentRecord = {
  id: number;
  issue: IssueRecord;
  author: UserRecord;
  body: string;
  createdAt: number;
  updatedAt: number;
};
