import type { components } from "@octokit/openapi-types";
import type {
  CommentRecord,
  IssueRecord,
  LabelRecord,
  RepoRecord,
  StateReason,
  UserRecord,
} from "./records.ts";

/**
 * The JSON GitHub answers, field for field. The types are narrower than @octokit/openapi-types
 * (labels are always objects, state is "open" | "closed") so tests can read them without casts;
 * the `Fits` checks at the bottom make the compiler prove each one is still a valid value of the
 * official schema, so a shape that drifts from GitHub's fails `tsc`.
 */

/** Where URLs in answers point: the API root as the client used it, and the web UI. */
export type Urls = {
  /** No trailing slash: `http://127.0.0.1:PORT` or, for GitHub Enterprise clients, `…/api/v3`. */
  api: string;
  /** `https://github.com` unless told otherwise. */
  html: string;
};

export type SimpleUser = {
  login: string;
  id: number;
  node_id: string;
  avatar_url: string;
  gravatar_id: string;
  url: string;
  html_url: string;
  followers_url: string;
  following_url: string;
  gists_url: string;
  starred_url: string;
  subscriptions_url: string;
  organizations_url: string;
  repos_url: string;
  events_url: string;
  received_events_url: string;
  type: UserRecord["type"];
  user_view_type: "public";
  site_admin: boolean;
};

export type PublicUser = SimpleUser & {
  name: string | null;
  company: string | null;
  blog: string;
  location: string | null;
  email: string | null;
  hireable: boolean | null;
  bio: string | null;
  twitter_username: string | null;
  public_repos: number;
  public_gists: number;
  followers: number;
  following: number;
  created_at: string;
  updated_at: string;
};

export type PrivateUser = PublicUser & {
  private_gists: number;
  total_private_repos: number;
  owned_private_repos: number;
  disk_usage: number;
  collaborators: number;
  two_factor_authentication: boolean;
  plan: { name: string; space: number; collaborators: number; private_repos: number };
};

export type UserSearchItem = SimpleUser & { score: number };

export type Label = {
  id: number;
  node_id: string;
  url: string;
  name: string;
  color: string;
  default: boolean;
  description: string | null;
};

export type ReactionRollup = {
  url: string;
  total_count: number;
  "+1": number;
  "-1": number;
  laugh: number;
  hooray: number;
  confused: number;
  heart: number;
  rocket: number;
  eyes: number;
};

export type AuthorAssociation = "OWNER" | "MEMBER" | "COLLABORATOR" | "NONE";

export type Issue = {
  url: string;
  repository_url: string;
  labels_url: string;
  comments_url: string;
  events_url: string;
  html_url: string;
  id: number;
  node_id: string;
  number: number;
  title: string;
  user: SimpleUser;
  labels: Label[];
  state: "open" | "closed";
  locked: boolean;
  assignee: SimpleUser | null;
  assignees: SimpleUser[];
  milestone: null;
  comments: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  author_association: AuthorAssociation;
  active_lock_reason: string | null;
  sub_issues_summary: { total: number; completed: number; percent_completed: number };
  body: string | null;
  reactions: ReactionRollup;
  timeline_url: string;
  performed_via_github_app: null;
  state_reason: StateReason | null;
  /** Only in the answer for a single issue, as on GitHub. */
  closed_by?: SimpleUser | null;
};

export type IssueSearchItem = Omit<Issue, "closed_by" | "body"> & { body?: string; score: number };

export type IssueComment = {
  url: string;
  html_url: string;
  issue_url: string;
  id: number;
  node_id: string;
  user: SimpleUser;
  created_at: string;
  updated_at: string;
  author_association: AuthorAssociation;
  body: string;
  reactions: ReactionRollup;
  performed_via_github_app: null;
};

export type Repository = {
  id: number;
  node_id: string;
  name: string;
  full_name: string;
  private: boolean;
  owner: SimpleUser;
  html_url: string;
  description: string | null;
  fork: boolean;
  url: string;
  forks_url: string;
  keys_url: string;
  collaborators_url: string;
  teams_url: string;
  hooks_url: string;
  issue_events_url: string;
  events_url: string;
  assignees_url: string;
  branches_url: string;
  tags_url: string;
  blobs_url: string;
  git_tags_url: string;
  git_refs_url: string;
  trees_url: string;
  statuses_url: string;
  languages_url: string;
  stargazers_url: string;
  contributors_url: string;
  subscribers_url: string;
  subscription_url: string;
  commits_url: string;
  git_commits_url: string;
  comments_url: string;
  issue_comment_url: string;
  contents_url: string;
  compare_url: string;
  merges_url: string;
  archive_url: string;
  downloads_url: string;
  issues_url: string;
  pulls_url: string;
  milestones_url: string;
  notifications_url: string;
  labels_url: string;
  releases_url: string;
  deployments_url: string;
  created_at: string;
  updated_at: string;
  pushed_at: string;
  git_url: string;
  ssh_url: string;
  clone_url: string;
  svn_url: string;
  homepage: string | null;
  size: number;
  stargazers_count: number;
  watchers_count: number;
  language: string | null;
  has_issues: boolean;
  has_projects: boolean;
  has_downloads: boolean;
  has_wiki: boolean;
  has_pages: boolean;
  has_discussions: boolean;
  forks_count: number;
  mirror_url: string | null;
  archived: boolean;
  disabled: boolean;
  open_issues_count: number;
  license: null;
  allow_forking: boolean;
  is_template: boolean;
  web_commit_signoff_required: boolean;
  topics: string[];
  visibility: "public" | "private";
  forks: number;
  open_issues: number;
  watchers: number;
  default_branch: string;
  permissions?: {
    admin: boolean;
    maintain: boolean;
    push: boolean;
    triage: boolean;
    pull: boolean;
  };
};

/** The `organization` object webhook payloads carry for organization-owned repositories. */
export type OrganizationSimple = {
  login: string;
  id: number;
  node_id: string;
  url: string;
  repos_url: string;
  events_url: string;
  hooks_url: string;
  issues_url: string;
  members_url: string;
  public_members_url: string;
  avatar_url: string;
  description: string | null;
};

export type RateLimit = { limit: number; remaining: number; reset: number; used: number };

// ── Rendering ────────────────────────────────────────────────────────────

/** GitHub's timestamps have whole seconds and a `Z`. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The legacy global node id format (`MDU6SXNzdWUx` is Issue 1), which clients treat as opaque. */
export function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`, "utf8").toString("base64");
}

export function renderSimpleUser(user: UserRecord, urls: Urls): SimpleUser {
  const api = `${urls.api}/users/${user.login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(user.type === "Organization" ? "Organization" : "User", user.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    gravatar_id: "",
    url: api,
    html_url: `${urls.html}/${user.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: user.type,
    user_view_type: "public",
    site_admin: false,
  };
}

export function renderPublicUser(user: UserRecord, urls: Urls, publicRepos: number): PublicUser {
  return {
    ...renderSimpleUser(user, urls),
    name: user.name,
    company: null,
    blog: "",
    location: null,
    email: user.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: timestamp(user.createdAt),
    updated_at: timestamp(user.createdAt),
  };
}

export function renderPrivateUser(user: UserRecord, urls: Urls, repos: RepoRecord[]): PrivateUser {
  const owned = repos.filter((repo) => repo.owner === user);
  const ownedPrivate = owned.filter((repo) => repo.private).length;
  return {
    ...renderPublicUser(user, urls, owned.length - ownedPrivate),
    private_gists: 0,
    total_private_repos: ownedPrivate,
    owned_private_repos: ownedPrivate,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { name: "pro", space: 976562499, collaborators: 0, private_repos: 9999 },
  };
}

export function renderLabel(repo: RepoRecord, label: LabelRecord, urls: Urls): Label {
  return {
    id: label.id,
    node_id: nodeId("Label", label.id),
    url: `${repoApi(repo, urls)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: label.isDefault,
    description: label.description,
  };
}

function reactions(url: string): ReactionRollup {
  return {
    url: `${url}/reactions`,
    total_count: 0,
    "+1": 0,
    "-1": 0,
    laugh: 0,
    hooray: 0,
    confused: 0,
    heart: 0,
    rocket: 0,
    eyes: 0,
  };
}

export function authorAssociation(repo: RepoRecord, user: UserRecord): AuthorAssociation {
  if (repo.owner === user) return "OWNER";
  if (!repo.collaborators.has(user.login.toLowerCase())) return "NONE";
  return repo.owner.type === "Organization" ? "MEMBER" : "COLLABORATOR";
}

export function renderIssue(
  issue: IssueRecord,
  urls: Urls,
  options: { withClosedBy?: boolean } = {},
): Issue {
  const { repo } = issue;
  const api = `${repoApi(repo, urls)}/issues/${issue.number}`;
  const assignees = issue.assignees.map((user) => renderSimpleUser(user, urls));
  return {
    url: api,
    repository_url: repoApi(repo, urls),
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: `${urls.html}/${repo.fullName}/issues/${issue.number}`,
    id: issue.id,
    node_id: nodeId("Issue", issue.id),
    number: issue.number,
    title: issue.title,
    user: renderSimpleUser(issue.author, urls),
    labels: issue.labels.map((label) => renderLabel(repo, label, urls)),
    state: issue.state,
    locked: false,
    assignee: assignees[0] ?? null,
    assignees,
    milestone: null,
    comments: issue.comments.length,
    created_at: timestamp(issue.createdAt),
    updated_at: timestamp(issue.updatedAt),
    closed_at: issue.closedAt === null ? null : timestamp(issue.closedAt),
    author_association: authorAssociation(repo, issue.author),
    active_lock_reason: null,
    sub_issues_summary: { total: 0, completed: 0, percent_completed: 0 },
    body: issue.body,
    reactions: reactions(api),
    timeline_url: `${api}/timeline`,
    performed_via_github_app: null,
    state_reason: issue.stateReason,
    ...(options.withClosedBy
      ? { closed_by: issue.closedBy ? renderSimpleUser(issue.closedBy, urls) : null }
      : {}),
  };
}

export function renderIssueSearchItem(issue: IssueRecord, urls: Urls): IssueSearchItem {
  const { body, ...rest } = renderIssue(issue, urls);
  return { ...rest, ...(body === null ? {} : { body }), score: 1 };
}

export function renderComment(comment: CommentRecord, urls: Urls): IssueComment {
  const { issue } = comment;
  const repoUrl = repoApi(issue.repo, urls);
  const url = `${repoUrl}/issues/comments/${comment.id}`;
  return {
    url,
    html_url: `${urls.html}/${issue.repo.fullName}/issues/${issue.number}#issuecomment-${comment.id}`,
    issue_url: `${repoUrl}/issues/${issue.number}`,
    id: comment.id,
    node_id: nodeId("IssueComment", comment.id),
    user: renderSimpleUser(comment.author, urls),
    created_at: timestamp(comment.createdAt),
    updated_at: timestamp(comment.updatedAt),
    author_association: authorAssociation(issue.repo, comment.author),
    body: comment.body,
    reactions: reactions(url),
    performed_via_github_app: null,
  };
}

export function repoApi(repo: RepoRecord, urls: Urls): string {
  return `${urls.api}/repos/${repo.fullName}`;
}

export function renderRepository(repo: RepoRecord, urls: Urls, viewer?: UserRecord): Repository {
  const api = repoApi(repo, urls);
  const html = `${urls.html}/${repo.fullName}`;
  const host = new URL(urls.html).host;
  const openIssues = [...repo.issues.values()].filter(
    (issue) => issue.deletedAt === null && issue.state === "open",
  ).length;
  const canPush = viewer !== undefined && repo.collaborators.has(viewer.login.toLowerCase());
  const isOwner = viewer !== undefined && repo.owner === viewer;
  return {
    id: repo.id,
    node_id: nodeId("Repository", repo.id),
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    owner: renderSimpleUser(repo.owner, urls),
    html_url: html,
    description: repo.description,
    fork: false,
    url: api,
    forks_url: `${api}/forks`,
    keys_url: `${api}/keys{/key_id}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`,
    issue_events_url: `${api}/issues/events{/number}`,
    events_url: `${api}/events`,
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    tags_url: `${api}/tags`,
    blobs_url: `${api}/git/blobs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`,
    contributors_url: `${api}/contributors`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    comments_url: `${api}/comments{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    contents_url: `${api}/contents/{+path}`,
    compare_url: `${api}/compare/{base}...{head}`,
    merges_url: `${api}/merges`,
    archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    labels_url: `${api}/labels{/name}`,
    releases_url: `${api}/releases{/id}`,
    deployments_url: `${api}/deployments`,
    created_at: timestamp(repo.createdAt),
    updated_at: timestamp(repo.updatedAt),
    pushed_at: timestamp(repo.createdAt),
    git_url: `git://${host}/${repo.fullName}.git`,
    ssh_url: `git@${host}:${repo.fullName}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: repo.hasIssues,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: openIssues,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: repo.private ? "private" : "public",
    forks: 0,
    open_issues: openIssues,
    watchers: 0,
    default_branch: repo.defaultBranch,
    ...(viewer
      ? {
          permissions: {
            admin: isOwner,
            maintain: isOwner,
            push: canPush || isOwner,
            triage: canPush || isOwner,
            pull: true,
          },
        }
      : {}),
  };
}

export function renderOrganization(org: UserRecord, urls: Urls): OrganizationSimple {
  const api = `${urls.api}/orgs/${org.login}`;
  return {
    login: org.login,
    id: org.id,
    node_id: nodeId("Organization", org.id),
    url: api,
    repos_url: `${api}/repos`,
    events_url: `${api}/events`,
    hooks_url: `${api}/hooks`,
    issues_url: `${api}/issues`,
    members_url: `${api}/members{/member}`,
    public_members_url: `${api}/public_members{/member}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${org.id}?v=4`,
    description: null,
  };
}

// ── Compile-time proof that the shapes are GitHub's ──────────────────────

type Schemas = components["schemas"];
type Fits<Ours extends Theirs, Theirs> = [Ours, Theirs];
export type _ShapesMatchGitHub = [
  Fits<SimpleUser, Schemas["simple-user"]>,
  Fits<PublicUser, Schemas["public-user"]>,
  Fits<PrivateUser, Schemas["private-user"]>,
  Fits<UserSearchItem, Schemas["user-search-result-item"]>,
  Fits<Label, Schemas["label"]>,
  Fits<Issue, Schemas["issue"]>,
  Fits<IssueSearchItem, Schemas["issue-search-result-item"]>,
  Fits<IssueComment, Schemas["issue-comment"]>,
  Fits<Repository, Schemas["repository"]>,
  Fits<OrganizationSimple, Schemas["organization-simple"]>,
  Fits<RateLimit, Schemas["rate-limit"]>,
];
