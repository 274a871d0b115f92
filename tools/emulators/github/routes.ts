import {
  ApiError,
  docs,
  invalidRequest,
  notFound,
  type ValidationErrorItem,
  validationFailed,
} from "./errors.ts";
import { normalizeRouteKey } from "./faults.ts";
import {
  issueMatches,
  namesResultType,
  parseIssueQuery,
  parseUserQuery,
  userMatches,
} from "./search.ts";
import {
  type RateLimit,
  renderComment,
  renderIssue,
  renderIssueSearchItem,
  renderLabel,
  renderPrivateUser,
  renderPublicUser,
  renderRepository,
  renderSimpleUser,
  type Urls,
} from "./shapes.ts";
import type { IssueRecord, RepoRecord, StateReason, UserRecord } from "./records.ts";
import type { IssueUpdate, World } from "./world.ts";

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** GitHub counts searches against their own, much smaller, quota. */
export type RateResource = "core" | "search";

export type RouteContext = {
  world: World;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  body: unknown;
  /** The token's user; every route here requires authentication. */
  actor: UserRecord;
  urls: Urls;
  /** The URL as the client sent it (with any `/api/v3` prefix), for `Link` and `Location`. */
  url: URL;
  now: number;
  rateLimits(): Record<RateResource, RateLimit>;
};

export type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

export type Route = {
  method: HttpMethod;
  pattern: string;
  resource: RateResource;
  /** `GET /rate_limit` is free, as on GitHub. */
  free?: boolean;
  handle(context: RouteContext): Answer;
};

const maxTitleLength = 256;
const maxBodyLength = 65_536;
const maxLabelNameLength = 50;
const maxLabelDescriptionLength = 100;
const maxSearchQueryLength = 256;
const maxSearchResults = 1_000;
const stateReasons: readonly StateReason[] = ["completed", "not_planned", "duplicate", "reopened"];

export const routes: readonly Route[] = [
  {
    method: "GET",
    pattern: "/user",
    resource: "core",
    handle: ({ world, actor, urls }) => ok(renderPrivateUser(actor, urls, world.repoRecords())),
  },
  {
    method: "GET",
    pattern: "/users/:username",
    resource: "core",
    handle: ({ world, params, urls }) => {
      const user = world.userRecord(param(params, "username"));
      if (!user) throw notFound(docs.getUser);
      const publicRepos = world
        .repoRecords()
        .filter((repo) => repo.owner === user && !repo.private).length;
      return ok(renderPublicUser(user, urls, publicRepos));
    },
  },
  {
    method: "GET",
    pattern: "/rate_limit",
    resource: "core",
    free: true,
    handle: ({ rateLimits }) => {
      const resources = rateLimits();
      return ok({ resources, rate: resources.core });
    },
  },
  {
    method: "GET",
    pattern: "/search/users",
    resource: "search",
    handle: (context) => {
      const query = parseUserQuery(searchQueryOf(context, docs.searchUsers));
      const users = context.world
        .userRecords()
        .filter((user) => userMatches(user, query))
        .sort((a, b) => a.login.localeCompare(b.login));
      return searchAnswer(context, users, (user) => ({
        ...renderSimpleUser(user, context.urls),
        score: 1,
      }));
    },
  },
  {
    method: "GET",
    pattern: "/search/issues",
    resource: "search",
    handle: (context) => {
      const q = searchQueryOf(context, docs.searchIssues);
      const query = parseIssueQuery(q);
      if (query.operators > 5) {
        throw validationFailed(
          [
            {
              resource: "Search",
              field: "q",
              code: "invalid",
              message: "More than five AND / OR / NOT operators were used.",
            },
          ],
          docs.searchIssues,
        );
      }
      if (!namesResultType(query)) {
        throw new ApiError(
          422,
          "Query must include 'is:issue' or 'is:pull-request'",
          docs.searchIssues,
        );
      }
      const { world, actor, now } = context;
      const found = world
        .repoRecords()
        .filter((repo) => world.canRead(repo, actor))
        .flatMap((repo) => [...repo.issues.values()])
        .filter((issue) => issue.deletedAt === null && issue.indexedAt <= now)
        .filter((issue) => issueMatches(issue, query));
      sortSearchResults(found, context.query);
      return searchAnswer(context, found, (issue) => renderIssueSearchItem(issue, context.urls));
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo",
    resource: "core",
    handle: (context) =>
      ok(renderRepository(repoOf(context, docs.getRepo), context.urls, context.actor)),
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/issues",
    resource: "core",
    handle: (context) => {
      const repo = issuesOf(context, docs.listIssues);
      const issues = filterIssues(context, [...repo.issues.values()]);
      return listAnswer(context, issues, (issue) => renderIssue(issue, context.urls));
    },
  },
  {
    method: "POST",
    pattern: "/repos/:owner/:repo/issues",
    resource: "core",
    handle: (context) => {
      const repo = issuesOf(context, docs.createIssue);
      const input = new BodyReader(context.body, docs.createIssue);
      const title = input.title(true);
      const body = input.body("body", "Issue");
      let labels = input.labels();
      let assignees = input.assignees();
      input.milestone();
      // Without push access GitHub quietly drops labels and assignees instead of refusing.
      if (!context.world.canPush(repo, context.actor)) {
        labels = undefined;
        assignees = undefined;
      }
      const issue = context.world.createIssue(repo, context.actor, {
        title: title ?? "",
        body: body ?? null,
        labels: labels ?? [],
        assignees: resolveAssignees(context.world, repo, assignees, docs.createIssue),
      });
      return created(renderIssue(issue, context.urls, { withClosedBy: true }));
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/issues/:issue_number",
    resource: "core",
    handle: (context) => {
      const issue = issueOf(context, docs.getIssue);
      return ok(renderIssue(issue, context.urls, { withClosedBy: true }));
    },
  },
  {
    method: "PATCH",
    pattern: "/repos/:owner/:repo/issues/:issue_number",
    resource: "core",
    handle: (context) => {
      const issue = issueOf(context, docs.updateIssue);
      const { world, actor } = context;
      const canPush = world.canPush(issue.repo, actor);
      if (!canPush && issue.author !== actor) {
        throw new ApiError(403, "Must have admin rights to Repository.", docs.updateIssue);
      }
      const input = new BodyReader(context.body, docs.updateIssue);
      const update: IssueUpdate = {};
      const title = input.title(false);
      if (title !== undefined) update.title = title;
      const body = input.body("body", "Issue");
      if (body !== undefined) update.body = body;
      const state = input.oneOf("state", ["open", "closed"] as const, false);
      if (state) update.state = state;
      const stateReason = input.oneOf("state_reason", stateReasons, true);
      if (stateReason !== undefined) update.stateReason = stateReason;
      const labels = input.labels();
      const assignees = input.assignees();
      input.milestone();
      if (canPush && labels !== undefined) update.labels = labels;
      if (canPush && assignees !== undefined) {
        update.assignees = resolveAssignees(world, issue.repo, assignees, docs.updateIssue);
      }
      world.updateIssue(issue, actor, update);
      return ok(renderIssue(issue, context.urls, { withClosedBy: true }));
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/issues/:issue_number/comments",
    resource: "core",
    handle: (context) => {
      const issue = issueOf(context, docs.listComments);
      const since = sinceOf(context, "IssueComment", docs.listComments);
      const comments = issue.comments.filter((c) => since === undefined || c.updatedAt >= since);
      return listAnswer(context, comments, (comment) => renderComment(comment, context.urls));
    },
  },
  {
    method: "POST",
    pattern: "/repos/:owner/:repo/issues/:issue_number/comments",
    resource: "core",
    handle: (context) => {
      const issue = issueOf(context, docs.createComment);
      const input = new BodyReader(context.body, docs.createComment);
      const body = input.body("body", "IssueComment", { required: true });
      if (!body?.trim()) {
        throw validationFailed(
          [{ resource: "IssueComment", code: "missing_field", field: "body" }],
          docs.createComment,
        );
      }
      const comment = context.world.addComment(issue, context.actor, body);
      return created(renderComment(comment, context.urls));
    },
  },
  {
    method: "POST",
    pattern: "/repos/:owner/:repo/issues/:issue_number/labels",
    resource: "core",
    handle: (context) => {
      const issue = issueOf(context, docs.addLabels);
      // The endpoint takes `{ labels: [...] }` or a bare array of names.
      const body = Array.isArray(context.body) ? { labels: context.body } : context.body;
      const labels = new BodyReader(body, docs.addLabels).labels();
      if (labels === undefined) throw invalidRequest(`"labels" wasn't supplied.`, docs.addLabels);
      if (context.world.canPush(issue.repo, context.actor)) {
        context.world.addLabelsToIssue(issue, context.actor, labels);
      }
      return ok(issue.labels.map((label) => renderLabel(issue.repo, label, context.urls)));
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/labels",
    resource: "core",
    handle: (context) => {
      const repo = repoOf(context, docs.listLabels);
      const labels = [...repo.labels.values()];
      return listAnswer(context, labels, (label) => renderLabel(repo, label, context.urls));
    },
  },
  {
    method: "POST",
    pattern: "/repos/:owner/:repo/labels",
    resource: "core",
    handle: (context) => {
      const repo = repoOf(context, docs.createLabel);
      if (!context.world.canPush(repo, context.actor)) throw notFound(docs.createLabel);
      const input = new BodyReader(context.body, docs.createLabel);
      const name = input.string("name", { required: true }) ?? "";
      const color = input.string("color") ?? undefined;
      const description = input.string("description", { nullable: true });
      const errors: ValidationErrorItem[] = [];
      if (!name.trim()) errors.push({ resource: "Label", code: "missing_field", field: "name" });
      if (name.length > maxLabelNameLength) {
        errors.push({ resource: "Label", code: "invalid", field: "name", value: name });
      }
      if (color !== undefined && !/^[0-9a-fA-F]{6}$/.test(color)) {
        errors.push({ resource: "Label", code: "invalid", field: "color", value: color });
      }
      if (description && description.length > maxLabelDescriptionLength) {
        errors.push({
          resource: "Label",
          code: "invalid",
          field: "description",
          value: description,
        });
      }
      if (errors.length === 0 && context.world.labelRecord(repo, name)) {
        errors.push({ resource: "Label", code: "already_exists", field: "name" });
      }
      if (errors.length > 0) throw validationFailed(errors, docs.createLabel);
      const label = context.world.createLabel(repo, {
        name,
        ...(color !== undefined ? { color } : {}),
        description: description ?? null,
      });
      return created(renderLabel(repo, label, context.urls));
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/labels/:name",
    resource: "core",
    handle: (context) => {
      const repo = repoOf(context, docs.getLabel);
      const label = context.world.labelRecord(repo, param(context.params, "name"));
      if (!label) throw notFound(docs.getLabel);
      return ok(renderLabel(repo, label, context.urls));
    },
  },
  {
    method: "GET",
    pattern: "/repos/:owner/:repo/assignees/:assignee",
    resource: "core",
    handle: (context) => {
      const repo = repoOf(context, docs.checkAssignee);
      const user = context.world.userRecord(param(context.params, "assignee"));
      if (!user || !context.world.isAssignable(repo, user)) throw notFound(docs.checkAssignee);
      return { status: 204 };
    },
  },
];

// ── Matching ─────────────────────────────────────────────────────────────

type CompiledRoute = { route: Route; key: string; regex: RegExp; names: string[] };

const compiled: CompiledRoute[] = routes.map((route) => {
  const names: string[] = [];
  const source = route.pattern
    .split("/")
    .map((segment) => {
      if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(segment.slice(1));
      return "([^/]+)";
    })
    .join("/");
  return { route, key: routeKey(route), regex: new RegExp(`^${source}/?$`), names };
});

/** The key faults and `callsTo` use, e.g. `POST /repos/:owner/:repo/issues`. */
export function routeKey(route: Route): string {
  return `${route.method} ${route.pattern}`;
}

/** Normalized keys of every route, for validating fault scopes. */
export const knownRouteKeys: ReadonlySet<string> = new Set(
  routes.map((route) => normalizeRouteKey(routeKey(route))),
);

export type RouteMatch = { route: Route; key: string; params: Record<string, string> };

export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const candidate of compiled) {
    if (candidate.route.method !== method) continue;
    const match = candidate.regex.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    candidate.names.forEach((name, index) => {
      params[name] = safeDecode(match[index + 1] ?? "");
    });
    return { route: candidate.route, key: candidate.key, params };
  }
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// ── Helpers shared by the routes ─────────────────────────────────────────

function ok(body: unknown, headers?: Record<string, string>): Answer {
  return { status: 200, body, ...(headers ? { headers } : {}) };
}

/** 201 with a `Location` header naming the new resource, as GitHub answers a create. */
function created(rendered: { url: string }): Answer {
  return { status: 201, body: rendered, headers: { location: rendered.url } };
}

/** One page of a list, with its `Link` header. */
function listAnswer<T>(
  context: RouteContext,
  all: readonly T[],
  render: (item: T) => unknown,
): Answer {
  const { page, headers } = paginate(context, all);
  return ok(page.map(render), headers);
}

function param(params: Readonly<Record<string, string>>, name: string): string {
  const value = params[name];
  if (value === undefined) throw new Error(`Route parameter ${name} is missing`);
  return value;
}

/** A private repository the token cannot see is a 404, not a 403, so its existence does not leak. */
function repoOf(context: RouteContext, documentationUrl: string): RepoRecord {
  const repo = context.world.resolveRepo(
    param(context.params, "owner"),
    param(context.params, "repo"),
  );
  if (!repo || !context.world.canRead(repo, context.actor)) throw notFound(documentationUrl);
  return repo;
}

function issuesOf(context: RouteContext, documentationUrl: string): RepoRecord {
  const repo = repoOf(context, documentationUrl);
  if (!repo.hasIssues) throw new ApiError(410, "Issues are disabled for this repo", docs.issues);
  return repo;
}

function issueOf(context: RouteContext, documentationUrl: string): IssueRecord {
  const repo = issuesOf(context, documentationUrl);
  const raw = param(context.params, "issue_number");
  const issue = /^\d+$/.test(raw) ? repo.issues.get(Number(raw)) : undefined;
  if (!issue) throw notFound(documentationUrl);
  if (issue.deletedAt !== null) throw new ApiError(410, "This issue was deleted", documentationUrl);
  return issue;
}

function resolveAssignees(
  world: World,
  repo: RepoRecord,
  logins: readonly string[] | undefined,
  documentationUrl: string,
): UserRecord[] {
  if (logins === undefined) return [];
  const users: UserRecord[] = [];
  const errors: ValidationErrorItem[] = [];
  for (const login of logins) {
    const user = world.userRecord(login);
    if (user && world.isAssignable(repo, user)) users.push(user);
    else errors.push({ value: login, resource: "Issue", field: "assignees", code: "invalid" });
  }
  if (errors.length > 0) throw validationFailed(errors, documentationUrl);
  return users;
}

function sinceOf(
  context: RouteContext,
  resource: string,
  documentationUrl: string,
): number | undefined {
  const since = context.query.get("since");
  if (since === null) return undefined;
  const parsed = Date.parse(since);
  if (Number.isNaN(parsed)) {
    throw validationFailed(
      [{ resource, field: "since", code: "invalid", value: since }],
      documentationUrl,
    );
  }
  return parsed;
}

function filterIssues(context: RouteContext, all: IssueRecord[]): IssueRecord[] {
  const { query } = context;
  const state = query.get("state") ?? "open";
  if (!["open", "closed", "all"].includes(state)) {
    throw validationFailed(
      [{ resource: "Issue", field: "state", code: "invalid", value: state }],
      docs.listIssues,
    );
  }
  const since = sinceOf(context, "Issue", docs.listIssues);
  const labels = (query.get("labels") ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name.length > 0);
  const assignee = query.get("assignee");
  const creator = query.get("creator")?.toLowerCase();
  const issues = all.filter((issue) => {
    if (issue.deletedAt !== null) return false;
    if (state !== "all" && issue.state !== state) return false;
    if (since !== undefined && issue.updatedAt < since) return false;
    const names = issue.labels.map((label) => label.name.toLowerCase());
    if (!labels.every((name) => names.includes(name))) return false;
    if (creator && issue.author.login.toLowerCase() !== creator) return false;
    if (assignee === "none" && issue.assignees.length > 0) return false;
    if (assignee === "*" && issue.assignees.length === 0) return false;
    if (
      assignee &&
      assignee !== "none" &&
      assignee !== "*" &&
      !issue.assignees.some((user) => user.login.toLowerCase() === assignee.toLowerCase())
    ) {
      return false;
    }
    return true;
  });
  const keyOf = issueSortKey(query.get("sort"));
  const direction = query.get("direction") === "asc" ? 1 : -1;
  return issues.sort((a, b) => direction * (keyOf(a) - keyOf(b) || a.number - b.number));
}

/** `sort=updated` or `sort=comments`; anything else (GitHub's default, `created`) by creation. */
function issueSortKey(sort: string | null): (issue: IssueRecord) => number {
  if (sort === "updated") return (issue) => issue.updatedAt;
  if (sort === "comments") return (issue) => issue.comments.length;
  return (issue) => issue.createdAt;
}

function sortSearchResults(issues: IssueRecord[], query: URLSearchParams): void {
  const keyOf = issueSortKey(query.get("sort"));
  const direction = query.get("order") === "asc" ? 1 : -1;
  // Best match (no sort) has no meaningful order here; newest first keeps it deterministic.
  issues.sort((a, b) => direction * (keyOf(a) - keyOf(b) || a.id - b.id));
}

function searchQueryOf(context: RouteContext, documentationUrl: string): string {
  const q = context.query.get("q");
  if (q === null || q.trim() === "") {
    throw validationFailed([{ resource: "Search", field: "q", code: "missing" }], documentationUrl);
  }
  if (q.length > maxSearchQueryLength) {
    throw validationFailed(
      [
        {
          resource: "Search",
          field: "q",
          code: "invalid",
          message: "The search is longer than 256 characters.",
        },
      ],
      documentationUrl,
    );
  }
  return q;
}

function searchAnswer<T>(context: RouteContext, all: T[], render: (item: T) => unknown): Answer {
  const { page, headers, pageNumber, perPage } = paginate(context, all, maxSearchResults);
  if ((pageNumber - 1) * perPage >= maxSearchResults) {
    throw new ApiError(422, "Only the first 1000 search results are available", docs.searchIssues);
  }
  return ok(
    { total_count: all.length, incomplete_results: false, items: page.map(render) },
    headers,
  );
}

/**
 * GitHub's offset pagination: `per_page` (30 by default, at most 100) and `page`, with a `Link`
 * header carrying prev/next/last/first URLs that keep the other query parameters.
 */
function paginate<T>(
  context: RouteContext,
  items: readonly T[],
  reachable = Number.POSITIVE_INFINITY,
): { page: T[]; headers: Record<string, string>; pageNumber: number; perPage: number } {
  const requestedPerPage = Number.parseInt(context.query.get("per_page") ?? "", 10);
  const perPage =
    Number.isNaN(requestedPerPage) || requestedPerPage < 1 ? 30 : Math.min(requestedPerPage, 100);
  const requestedPage = Number.parseInt(context.query.get("page") ?? "", 10);
  const pageNumber = Number.isNaN(requestedPage) || requestedPage < 1 ? 1 : requestedPage;
  const total = Math.min(items.length, reachable);
  const lastPage = Math.max(1, Math.ceil(total / perPage));
  const start = (pageNumber - 1) * perPage;
  const page = items.slice(start, Math.min(start + perPage, total));

  const linkTo = (target: number): string => {
    const url = new URL(context.url);
    url.searchParams.set("page", String(target));
    return url.toString();
  };
  const links: string[] = [];
  if (pageNumber > 1) links.push(`<${linkTo(Math.min(pageNumber - 1, lastPage))}>; rel="prev"`);
  if (pageNumber < lastPage) {
    links.push(`<${linkTo(pageNumber + 1)}>; rel="next"`, `<${linkTo(lastPage)}>; rel="last"`);
  }
  if (pageNumber > 1) links.push(`<${linkTo(1)}>; rel="first"`);
  return { page, headers: links.length > 0 ? { link: links.join(", ") } : {}, pageNumber, perPage };
}

/**
 * Reads a JSON body the way GitHub's schema validation does: a missing required parameter or a
 * wrong type is `Invalid request.` (422), before any semantic check runs.
 */
class BodyReader {
  private readonly fields: Record<string, unknown>;

  constructor(
    body: unknown,
    private readonly documentationUrl: string,
  ) {
    if (body === undefined || body === null) {
      this.fields = {};
    } else if (typeof body !== "object" || Array.isArray(body)) {
      throw invalidRequest(`${JSON.stringify(body)} is not an object.`, documentationUrl);
    } else {
      this.fields = body as Record<string, unknown>;
    }
  }

  string(
    name: string,
    options: { required?: boolean; nullable?: boolean } = {},
  ): string | null | undefined {
    const value = this.fields[name];
    if (value === undefined) {
      if (options.required)
        throw invalidRequest(`"${name}" wasn't supplied.`, this.documentationUrl);
      return undefined;
    }
    if (value === null && options.nullable) return null;
    if (typeof value !== "string") {
      throw this.typeError(name, value, options.nullable ? "a string or null" : "a string");
    }
    return value;
  }

  /** GitHub accepts a number as a title and stores its text. */
  title(required: boolean): string | undefined {
    const value = this.fields.title;
    if (value === undefined) {
      if (required) throw invalidRequest(`"title" wasn't supplied.`, this.documentationUrl);
      return undefined;
    }
    if (typeof value !== "string" && typeof value !== "number") {
      throw this.typeError("title", value, "a string or integer");
    }
    const title = String(value);
    if (!title.trim()) {
      throw validationFailed(
        [{ resource: "Issue", code: "missing_field", field: "title" }],
        this.documentationUrl,
      );
    }
    if (title.length > maxTitleLength) {
      throw validationFailed(
        [
          {
            resource: "Issue",
            code: "custom",
            field: "title",
            message: `title is too long (maximum is ${maxTitleLength} characters)`,
          },
        ],
        this.documentationUrl,
      );
    }
    return title;
  }

  body(
    name: string,
    resource: string,
    options: { required?: boolean } = {},
  ): string | null | undefined {
    const value = this.string(name, { nullable: !options.required, ...options });
    if (value && value.length > maxBodyLength) {
      throw validationFailed(
        [
          {
            resource,
            code: "custom",
            field: name,
            message: `${name} is too long (maximum is ${maxBodyLength} characters)`,
          },
        ],
        this.documentationUrl,
      );
    }
    return value;
  }

  /** Names, given as strings or as `{ name }` objects. */
  labels(): string[] | undefined {
    const value = this.fields.labels;
    if (value === undefined || value === null) return value === null ? [] : undefined;
    if (!Array.isArray(value)) throw this.typeError("labels", value, "an array");
    return value.map((item: unknown, index) => {
      if (typeof item === "string") return item;
      if (
        typeof item === "object" &&
        item !== null &&
        typeof (item as { name?: unknown }).name === "string"
      ) {
        return (item as { name: string }).name;
      }
      throw this.typeError(`labels/items/${index}`, item, "a string or object");
    });
  }

  /** `assignees` (an array), or the older single `assignee`; null clears. */
  assignees(): string[] | undefined {
    const many = this.fields.assignees;
    if (many !== undefined && many !== null) {
      if (!Array.isArray(many) || many.some((item) => typeof item !== "string")) {
        throw this.typeError("assignees", many, "an array of strings");
      }
      return many as string[];
    }
    if (many === null) return [];
    const single = this.string("assignee", { nullable: true });
    if (single === undefined) return undefined;
    return single === null || single === "" ? [] : [single];
  }

  /** The emulated repositories have no milestones, so naming one is refused as GitHub would. */
  milestone(): void {
    const value = this.fields.milestone;
    if (value === undefined || value === null) return;
    if (typeof value !== "number" && typeof value !== "string") {
      throw this.typeError("milestone", value, "a string, integer or null");
    }
    throw validationFailed(
      [{ value: value, resource: "Issue", field: "milestone", code: "invalid" }],
      this.documentationUrl,
    );
  }

  oneOf<T extends string>(
    name: string,
    allowed: readonly T[],
    nullable: true,
  ): T | null | undefined;
  oneOf<T extends string>(name: string, allowed: readonly T[], nullable: false): T | undefined;
  oneOf<T extends string>(
    name: string,
    allowed: readonly T[],
    nullable: boolean,
  ): T | null | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    if (value === null && nullable) return null;
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
      const list = allowed.map((item) => JSON.stringify(item)).join(", ");
      throw invalidRequest(
        `For 'properties/${name}', ${JSON.stringify(value)} is not one of [${list}]${nullable ? " or null" : ""}.`,
        this.documentationUrl,
      );
    }
    return value as T;
  }

  private typeError(name: string, value: unknown, expected: string): ApiError {
    return invalidRequest(
      `For 'properties/${name}', ${JSON.stringify(value)} is not ${expected}.`,
      this.documentationUrl,
    );
  }
}
