import {
  type Issue,
  type IssueComment,
  type Label,
  type PublicUser,
  renderComment,
  renderIssue,
  renderLabel,
  renderPublicUser,
  renderRepository,
  type Repository,
  type Urls,
} from "./shapes.ts";
import type {
  CommentRecord,
  IssueRecord,
  LabelRecord,
  RepoRecord,
  StateReason,
  UserRecord,
} from "./records.ts";

export type SeedUser = {
  login: string;
  name?: string | null;
  /** Public email; `null` models a user who keeps it private (search by email finds nothing). */
  email?: string | null;
  type?: UserRecord["type"];
  /** Whether repositories created on first use grant this user push access; true by default. */
  collaborator?: boolean;
};

export type SeedIssue = {
  title: string;
  body?: string | null;
  state?: "open" | "closed";
  stateReason?: StateReason | null;
  labels?: string[];
  assignees?: string[];
  /** Login of the author; the token's user by default. */
  author?: string;
  createdAt?: number | Date;
};

export type SeedLabel = { name: string; color?: string; description?: string | null };

export type SeedRepo = {
  /** `owner/name`. */
  fullName: string;
  private?: boolean;
  description?: string | null;
  /** `false` makes issue routes answer 410 "Issues are disabled for this repo". */
  hasIssues?: boolean;
  /** Logins with push access; by default every seeded user with `collaborator !== false`. */
  collaborators?: string[];
  /** Replaces GitHub's default labels (bug, documentation, …). */
  labels?: SeedLabel[];
  issues?: SeedIssue[];
};

export type SeedData = {
  users: SeedUser[];
  repos: SeedRepo[];
};

/**
 * Four people with public emails (for mapping a Slack email to a login), the bot account the token
 * belongs to, one user without access to any repository (assigning them is a 422), and one whose
 * email is private (search by email finds nobody).
 */
export function defaultSeed(): SeedData {
  return {
    users: [
      { login: "octobot", name: "Incident Bot", email: null },
      { login: "alice", name: "Alice Archer", email: "alice@example.com" },
      { login: "bob", name: "Bob Baker", email: "bob@example.com" },
      { login: "carol", name: "Carol Chen", email: "carol@example.com" },
      { login: "dave", name: "Dave Diaz", email: "dave@example.com" },
      { login: "erin", name: "Erin Outsider", email: "erin@example.com", collaborator: false },
      { login: "frank", name: "Frank Private", email: null },
    ],
    repos: [],
  };
}

/** The labels GitHub gives every new repository. */
const githubDefaultLabels: SeedLabel[] = [
  { name: "bug", color: "d73a4a", description: "Something isn't working" },
  {
    name: "documentation",
    color: "0075ca",
    description: "Improvements or additions to documentation",
  },
  { name: "duplicate", color: "cfd3d7", description: "This issue or pull request already exists" },
  { name: "enhancement", color: "a2eeef", description: "New feature or request" },
  { name: "good first issue", color: "7057ff", description: "Good for newcomers" },
  { name: "help wanted", color: "008672", description: "Extra attention is needed" },
  { name: "invalid", color: "e4e669", description: "This doesn't seem right" },
  { name: "question", color: "d876e3", description: "Further information is requested" },
  { name: "wontfix", color: "ffffff", description: "This will not be worked on" },
];

/** The color GitHub gives a label created implicitly by naming it on an issue. */
export const implicitLabelColor = "ededed";

export type IssueAction =
  | "opened"
  | "edited"
  | "closed"
  | "reopened"
  | "labeled"
  | "unlabeled"
  | "assigned"
  | "unassigned"
  | "deleted";

export type IssueChanges = { title?: { from: string }; body?: { from: string } };

/** A change GitHub would announce by webhook. */
export type WorldEvent =
  | {
      event: "issues";
      action: IssueAction;
      issue: IssueRecord;
      sender: UserRecord;
      changes?: IssueChanges;
      label?: LabelRecord;
      assignee?: UserRecord;
      /** False models a delivery that never happened (hook down, GitHub incident). */
      deliver: boolean;
    }
  | {
      event: "issue_comment";
      action: "created";
      issue: IssueRecord;
      comment: CommentRecord;
      sender: UserRecord;
      deliver: boolean;
    };

export type WorldListener = (event: WorldEvent) => void;

export type NewIssue = {
  title: string;
  body?: string | null;
  labels?: readonly string[];
  assignees?: readonly UserRecord[];
};

export type IssueUpdate = {
  title?: string;
  body?: string | null;
  state?: "open" | "closed";
  stateReason?: StateReason | null;
  labels?: readonly string[];
  assignees?: readonly UserRecord[];
};

export type MutationOptions = { deliverWebhook?: boolean };

export type WorldOptions = {
  now: () => number;
  /** Where rendered URLs point; a function because the port is known only after listening. */
  urls: () => Urls;
  searchIndexDelayMs: number;
  autoCreateRepos: boolean;
  tokenUser: string;
};

/**
 * GitHub as the emulator knows it: users, repositories, labels, issues and comments.
 *
 * The accessors without `Record` in their name answer exactly what the REST API would (snake_case
 * JSON shapes), so a test can compare them with what the bot received. The `…Record` methods and
 * the mutations are for the routes and the emulator's "a human did this on github.com" helpers.
 */
export class World {
  /** Newly created issues stay invisible to search for this long. Changeable at any time. */
  searchIndexDelayMs: number;
  /** When false, an unknown `owner/name` is a 404, as on GitHub; when true it springs into being. */
  autoCreateRepos: boolean;
  private readonly usersByLogin = new Map<string, UserRecord>();
  private readonly defaultCollaborators = new Set<string>();
  private readonly reposByName = new Map<string, RepoRecord>();
  private readonly listeners = new Set<WorldListener>();
  private readonly now: () => number;
  private readonly urls: () => Urls;
  private nextUserId = 1_000_001;
  private nextRepoId = 700_000_001;
  private nextIssueId = 2_000_000_001;
  private nextLabelId = 5_000_000_001;
  private nextCommentId = 3_000_000_001;

  constructor(seed: SeedData, options: WorldOptions) {
    this.now = options.now;
    this.urls = options.urls;
    this.searchIndexDelayMs = options.searchIndexDelayMs;
    this.autoCreateRepos = options.autoCreateRepos;
    const createdAt = Date.UTC(2020, 0, 1);
    for (const user of seed.users) {
      if (this.usersByLogin.has(user.login.toLowerCase())) {
        throw new Error(`Seed names user ${user.login} twice`);
      }
      this.addUser(user, createdAt);
    }
    if (!this.usersByLogin.has(options.tokenUser.toLowerCase())) {
      this.addUser({ login: options.tokenUser }, createdAt);
    }
    for (const repo of seed.repos) this.seedRepo(repo, options.tokenUser);
  }

  // ── Rendered accessors ────────────────────────────────────────────────

  /** The repository's issues by number, deleted ones left out, as `GET …/issues/:number` shows each. */
  issues(repo: string): Issue[] {
    const record = this.findRepo(repo);
    if (!record) return [];
    return [...record.issues.values()]
      .filter((issue) => issue.deletedAt === null)
      .sort((a, b) => a.number - b.number)
      .map((issue) => renderIssue(issue, this.urls(), { withClosedBy: true }));
  }

  issue(repo: string, number: number): Issue | undefined {
    const record = this.issueRecord(repo, number);
    return record && record.deletedAt === null
      ? renderIssue(record, this.urls(), { withClosedBy: true })
      : undefined;
  }

  /** The REST shape of an issue record, even a deleted one. */
  render(issue: IssueRecord): Issue {
    return renderIssue(issue, this.urls(), { withClosedBy: true });
  }

  get users(): PublicUser[] {
    return [...this.usersByLogin.values()].map((user) => this.renderUser(user));
  }

  user(login: string): PublicUser | undefined {
    const record = this.userRecord(login);
    return record && this.renderUser(record);
  }

  labels(repo: string): Label[] {
    const record = this.findRepo(repo);
    if (!record) return [];
    return [...record.labels.values()].map((label) => renderLabel(record, label, this.urls()));
  }

  comments(repo: string, number: number): IssueComment[] {
    const record = this.issueRecord(repo, number);
    return record ? record.comments.map((comment) => renderComment(comment, this.urls())) : [];
  }

  repository(fullName: string): Repository | undefined {
    const record = this.findRepo(fullName);
    return record && renderRepository(record, this.urls());
  }

  /** Whether `GET /search/issues` can see the issue yet. */
  isIndexed(repo: string, number: number): boolean {
    const record = this.issueRecord(repo, number);
    return record !== undefined && this.now() >= record.indexedAt;
  }

  /** Makes every issue visible to search now, as if the indexer had caught up. */
  flushSearchIndex(): void {
    const now = this.now();
    for (const repo of this.reposByName.values()) {
      for (const issue of repo.issues.values()) issue.indexedAt = Math.min(issue.indexedAt, now);
    }
  }

  onEvent(listener: WorldListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ── Records ───────────────────────────────────────────────────────────

  userRecord(login: string): UserRecord | undefined {
    return this.usersByLogin.get(login.toLowerCase());
  }

  userRecords(): UserRecord[] {
    return [...this.usersByLogin.values()];
  }

  repoRecords(): RepoRecord[] {
    return [...this.reposByName.values()];
  }

  findRepo(fullName: string): RepoRecord | undefined {
    return this.reposByName.get(fullName.toLowerCase());
  }

  /** The repository, created on first use when `autoCreateRepos` allows it. */
  resolveRepo(owner: string, name: string): RepoRecord | undefined {
    const existing = this.findRepo(`${owner}/${name}`);
    if (existing || !this.autoCreateRepos) return existing;
    if (!isValidOwner(owner) || !isValidRepoName(name)) return undefined;
    return this.createRepo({ fullName: `${owner}/${name}` });
  }

  issueRecord(repo: string, number: number): IssueRecord | undefined {
    return this.findRepo(repo)?.issues.get(number);
  }

  canPush(repo: RepoRecord, user: UserRecord): boolean {
    return repo.owner === user || repo.collaborators.has(user.login.toLowerCase());
  }

  canRead(repo: RepoRecord, user: UserRecord | undefined): boolean {
    return !repo.private || (user !== undefined && this.canPush(repo, user));
  }

  /** GitHub only lets users with access to the repository be assigned. */
  isAssignable(repo: RepoRecord, user: UserRecord): boolean {
    return user.type !== "Organization" && this.canPush(repo, user);
  }

  createRepo(seed: SeedRepo): RepoRecord {
    const [ownerLogin = "", name = ""] = seed.fullName.split("/");
    if (
      !isValidOwner(ownerLogin) ||
      !isValidRepoName(name) ||
      seed.fullName.split("/").length !== 2
    ) {
      throw new Error(`"${seed.fullName}" is not an owner/name repository name`);
    }
    if (this.findRepo(seed.fullName)) throw new Error(`Repository ${seed.fullName} exists already`);
    // An owner nobody seeded is an organization, the usual home of an incident repository.
    const owner =
      this.userRecord(ownerLogin) ??
      this.addUser({ login: ownerLogin, type: "Organization", email: null }, this.now());
    const collaborators = new Set(
      (seed.collaborators ?? [...this.defaultCollaborators]).map((login) => login.toLowerCase()),
    );
    if (owner.type !== "Organization") collaborators.add(owner.login.toLowerCase());
    const createdAt = this.now();
    const repo: RepoRecord = {
      id: this.nextRepoId++,
      owner,
      name,
      fullName: `${owner.login}/${name}`,
      private: seed.private ?? false,
      description: seed.description ?? null,
      hasIssues: seed.hasIssues ?? true,
      defaultBranch: "main",
      collaborators,
      createdAt,
      updatedAt: createdAt,
      nextNumber: 1,
      issues: new Map(),
      labels: new Map(),
    };
    for (const label of seed.labels ?? githubDefaultLabels) {
      this.addLabel(repo, label, seed.labels === undefined);
    }
    this.reposByName.set(repo.fullName.toLowerCase(), repo);
    return repo;
  }

  labelRecord(repo: RepoRecord, name: string): LabelRecord | undefined {
    return repo.labels.get(name.toLowerCase());
  }

  createLabel(repo: RepoRecord, label: SeedLabel): LabelRecord {
    if (this.labelRecord(repo, label.name)) {
      throw new Error(`Label ${label.name} exists already in ${repo.fullName}`);
    }
    return this.addLabel(repo, label, false);
  }

  // ── Mutations (each announces what GitHub would send by webhook) ──────

  createIssue(
    repo: RepoRecord,
    actor: UserRecord,
    input: NewIssue,
    options: MutationOptions & { createdAt?: number } = {},
  ): IssueRecord {
    const createdAt = options.createdAt ?? this.now();
    const issue: IssueRecord = {
      id: this.nextIssueId++,
      number: repo.nextNumber++,
      repo,
      title: input.title,
      body: input.body ?? null,
      state: "open",
      stateReason: null,
      labels: uniqueBy(input.labels ?? [], (name) => name.toLowerCase()).map((name) =>
        this.ensureLabel(repo, name),
      ),
      assignees: uniqueBy(input.assignees ?? [], (user) => user.id),
      author: actor,
      createdAt,
      updatedAt: createdAt,
      closedAt: null,
      closedBy: null,
      comments: [],
      deletedAt: null,
      indexedAt: createdAt + this.searchIndexDelayMs,
    };
    repo.issues.set(issue.number, issue);
    const deliver = options.deliverWebhook ?? true;
    // GitHub follows `opened` with one `labeled` / `assigned` per label and assignee given.
    this.emit({ event: "issues", action: "opened", issue, sender: actor, deliver });
    for (const label of issue.labels) {
      this.emit({ event: "issues", action: "labeled", issue, sender: actor, label, deliver });
    }
    for (const assignee of issue.assignees) {
      this.emit({ event: "issues", action: "assigned", issue, sender: actor, assignee, deliver });
    }
    return issue;
  }

  updateIssue(
    issue: IssueRecord,
    actor: UserRecord,
    update: IssueUpdate,
    options: MutationOptions = {},
  ): IssueRecord {
    const deliver = options.deliverWebhook ?? true;
    const now = this.now();
    const events: WorldEvent[] = [];
    const changes: IssueChanges = {};
    if (update.title !== undefined && update.title !== issue.title) {
      changes.title = { from: issue.title };
      issue.title = update.title;
    }
    if (update.body !== undefined && update.body !== issue.body) {
      changes.body = { from: issue.body ?? "" };
      issue.body = update.body;
    }
    if (changes.title || changes.body) {
      events.push({ event: "issues", action: "edited", issue, sender: actor, changes, deliver });
    }

    if (update.labels !== undefined) {
      const wanted = uniqueBy(update.labels, (name) => name.toLowerCase()).map((name) =>
        this.ensureLabel(issue.repo, name),
      );
      for (const label of issue.labels.filter((label) => !wanted.includes(label))) {
        events.push({ event: "issues", action: "unlabeled", issue, sender: actor, label, deliver });
      }
      for (const label of wanted.filter((label) => !issue.labels.includes(label))) {
        events.push({ event: "issues", action: "labeled", issue, sender: actor, label, deliver });
      }
      issue.labels = wanted;
    }

    if (update.assignees !== undefined) {
      const wanted = uniqueBy(update.assignees, (user) => user.id);
      for (const assignee of issue.assignees.filter((user) => !wanted.includes(user))) {
        events.push({
          event: "issues",
          action: "unassigned",
          issue,
          sender: actor,
          assignee,
          deliver,
        });
      }
      for (const assignee of wanted.filter((user) => !issue.assignees.includes(user))) {
        events.push({
          event: "issues",
          action: "assigned",
          issue,
          sender: actor,
          assignee,
          deliver,
        });
      }
      issue.assignees = wanted;
    }

    const reasonChanged = this.applyState(issue, actor, update, now);
    if (reasonChanged === "closed" || reasonChanged === "reopened") {
      events.push({ event: "issues", action: reasonChanged, issue, sender: actor, deliver });
    }

    if (events.length > 0 || reasonChanged === "reason") issue.updatedAt = now;
    for (const event of events) this.emit(event);
    return issue;
  }

  addComment(
    issue: IssueRecord,
    actor: UserRecord,
    body: string,
    options: MutationOptions = {},
  ): CommentRecord {
    const now = this.now();
    const comment: CommentRecord = {
      id: this.nextCommentId++,
      issue,
      author: actor,
      body,
      createdAt: now,
      updatedAt: now,
    };
    issue.comments.push(comment);
    issue.updatedAt = now;
    this.emit({
      event: "issue_comment",
      action: "created",
      issue,
      comment,
      sender: actor,
      deliver: options.deliverWebhook ?? true,
    });
    return comment;
  }

  addLabelsToIssue(
    issue: IssueRecord,
    actor: UserRecord,
    names: readonly string[],
    options: MutationOptions = {},
  ): IssueRecord {
    const current = issue.labels.map((label) => label.name);
    return this.updateIssue(issue, actor, { labels: [...current, ...names] }, options);
  }

  deleteIssue(issue: IssueRecord, actor: UserRecord, options: MutationOptions = {}): void {
    if (issue.deletedAt !== null) return;
    issue.deletedAt = this.now();
    this.emit({
      event: "issues",
      action: "deleted",
      issue,
      sender: actor,
      deliver: options.deliverWebhook ?? true,
    });
  }

  // ── Internals ─────────────────────────────────────────────────────────

  /**
   * Returns what happened: closing defaults the reason to `completed` and reopening sets
   * `reopened`, as GitHub does; on a closed issue, a new reason alone just replaces the old one.
   */
  private applyState(
    issue: IssueRecord,
    actor: UserRecord,
    update: IssueUpdate,
    now: number,
  ): "closed" | "reopened" | "reason" | undefined {
    const target = update.state ?? issue.state;
    if (target === "closed" && issue.state === "open") {
      issue.state = "closed";
      issue.stateReason =
        update.stateReason && update.stateReason !== "reopened" ? update.stateReason : "completed";
      issue.closedAt = now;
      issue.closedBy = actor;
      return "closed";
    }
    if (target === "open" && issue.state === "closed") {
      issue.state = "open";
      issue.stateReason = "reopened";
      issue.closedAt = null;
      issue.closedBy = null;
      return "reopened";
    }
    if (
      issue.state === "closed" &&
      update.stateReason &&
      update.stateReason !== "reopened" &&
      update.stateReason !== issue.stateReason
    ) {
      issue.stateReason = update.stateReason;
      return "reason";
    }
    return undefined;
  }

  private emit(event: WorldEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private renderUser(user: UserRecord): PublicUser {
    const publicRepos = this.repoRecords().filter(
      (repo) => repo.owner === user && !repo.private,
    ).length;
    return renderPublicUser(user, this.urls(), publicRepos);
  }

  private addUser(seed: SeedUser, createdAt: number): UserRecord {
    const user: UserRecord = {
      id: this.nextUserId++,
      login: seed.login,
      name: seed.name ?? null,
      email: seed.email ?? null,
      type: seed.type ?? "User",
      createdAt,
    };
    this.usersByLogin.set(seed.login.toLowerCase(), user);
    if (user.type !== "Organization" && seed.collaborator !== false) {
      this.defaultCollaborators.add(seed.login.toLowerCase());
    }
    return user;
  }

  private addLabel(repo: RepoRecord, label: SeedLabel, isDefault: boolean): LabelRecord {
    const record: LabelRecord = {
      id: this.nextLabelId++,
      name: label.name,
      color: (label.color ?? implicitLabelColor).toLowerCase(),
      description: label.description ?? null,
      isDefault,
    };
    repo.labels.set(label.name.toLowerCase(), record);
    return record;
  }

  /** GitHub creates a label that an issue names but the repository lacks. */
  private ensureLabel(repo: RepoRecord, name: string): LabelRecord {
    return this.labelRecord(repo, name) ?? this.addLabel(repo, { name }, false);
  }

  private seedRepo(seed: SeedRepo, tokenUser: string): void {
    const repo = this.createRepo(seed);
    for (const issueSeed of seed.issues ?? []) {
      const author = this.userRecord(issueSeed.author ?? tokenUser);
      if (!author) throw new Error(`Seed issue "${issueSeed.title}" names unknown author`);
      const assignees = (issueSeed.assignees ?? []).map((login) => {
        const user = this.userRecord(login);
        if (!user) throw new Error(`Seed issue "${issueSeed.title}" assigns unknown ${login}`);
        return user;
      });
      const createdAt =
        issueSeed.createdAt === undefined ? this.now() : new Date(issueSeed.createdAt).getTime();
      const issue = this.createIssue(
        repo,
        author,
        {
          title: issueSeed.title,
          body: issueSeed.body ?? null,
          labels: issueSeed.labels ?? [],
          assignees,
        },
        { deliverWebhook: false, createdAt },
      );
      // Seeded history is old enough to be searchable.
      issue.indexedAt = createdAt;
      if (issueSeed.state === "closed") {
        issue.state = "closed";
        issue.stateReason = issueSeed.stateReason ?? "completed";
        issue.closedAt = createdAt;
        issue.closedBy = author;
      }
    }
  }
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => unknown): T[] {
  const seen = new Set<unknown>();
  return items.filter((item) => {
    const value = key(item);
    if (seen.has(value)) return false;
    seen.add(value);
    return true;
  });
}

/** GitHub logins: alphanumerics and single inner hyphens, at most 39 characters. */
export function isValidOwner(login: string): boolean {
  return /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/.test(login);
}

export function isValidRepoName(name: string): boolean {
  return /^[A-Za-z0-9._-]{1,100}$/.test(name) && name !== "." && name !== "..";
}
