import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import type { Logger } from "../../core/logging.ts";
import type { ApiOutcome } from "../../core/metrics/metrics.ts";

/**
 * The GitHub adapter: Octokit with plugin-throttling (spaces writes as GitHub
 * asks: 1 s between writes, 3 s between issue creations) and plugin-retry
 * (retries 5xx and 429 for idempotent calls). `apiUrl` is GITHUB_API_URL, so
 * GitHub Enterprise (`https://ghe.example.com/api/v3`) and the emulator work.
 *
 * Creating an issue is not idempotent, so that one call is never retried
 * here: a dropped answer may mean GitHub created it. The outbox retries
 * instead, after looking for the issue by its marker.
 */

export interface GitHubIssue {
  number: number;
  url: string;
  state: "open" | "closed";
  /** completed | not_planned | reopened | duplicate | null */
  stateReason: string | null;
  closedBy: string | null;
  closedAt: Date | null;
  body: string;
  updatedAt: Date;
}

export interface NewIssue {
  title: string;
  body: string;
  labels: string[];
  assignees: string[];
}

export interface GitHubClient {
  /** `owner/name` */
  readonly repository: string;
  createIssue(issue: NewIssue): Promise<GitHubIssue>;
  /**
   * The issue created since `since` whose body carries `marker`. Uses the
   * issue list (consistent at once), not search, whose index lags.
   */
  findIssueByMarker(marker: string, since: Date): Promise<GitHubIssue | undefined>;
  getIssue(number: number): Promise<GitHubIssue | undefined>;
  /** Issues updated since `since`, open or closed, oldest first. */
  listIssuesUpdatedSince(since: Date): Promise<GitHubIssue[]>;
  /** The login whose public email is `email`, if GitHub's user search finds exactly one. */
  loginForEmail(email: string): Promise<string | undefined>;
  /** Whether `login` may be assigned issues in the repository. */
  canBeAssigned(login: string): Promise<boolean>;
  /** Closes (as completed) or reopens an issue; setting the state it has is a no-op on GitHub. */
  setIssueState(number: number, state: "open" | "closed"): Promise<GitHubIssue>;
}

/** GitHub could not be reached, failed, or asked us to slow down: try again later. */
export class GitHubUnavailableError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
    this.name = "GitHubUnavailableError";
  }
}

export interface GitHubClientOptions {
  token: string;
  repository: string;
  apiUrl: string;
  log: Logger;
  /** Scales plugin-retry's waits (1 s, 4 s by default); tests make them short. */
  retryBaseMs?: number;
  /** Each HTTP request is abandoned after this long; 15 s by default. */
  requestTimeoutMs?: number;
  /** Hears of every call's outcome, by route template (`GET /repos/{owner}/{repo}/issues`). */
  observe?: (route: string, outcome: ApiOutcome) => void;
}

const RetryingOctokit = Octokit.plugin(throttling, retry);

/** How long a rate-limited request may wait in-process before it goes back to the outbox. */
const maxInProcessWaitSeconds = 5;

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const [owner = "", repo = ""] = options.repository.split("/");
  const waitBriefly = (retryAfter: number, _request: unknown, _octokit: unknown, retryCount: number) =>
    retryCount < 1 && retryAfter <= maxInProcessWaitSeconds;
  const octokit = new RetryingOctokit({
    auth: options.token,
    baseUrl: options.apiUrl.replace(/\/+$/, ""),
    userAgent: "incident-bot",
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => options.log.warn({ detail: message }, "github client warning"),
      error: (message: string) => options.log.error({ detail: message }, "github client error"),
    },
    throttle: { onRateLimit: waitBriefly, onSecondaryRateLimit: waitBriefly },
    retry: { retryAfterBaseValue: options.retryBaseMs ?? 1000, retries: 2 },
  });

  // Every request gives up after a while: a handler stuck on GitHub must not outlive its
  // timer's lease (another replica would then take the same work over).
  octokit.hook.before("request", (request) => {
    request.request = { ...request.request, signal: request.request?.signal ?? AbortSignal.timeout(options.requestTimeoutMs ?? 15_000) };
  });

  // Registered after the plugins, so it wraps them: one outcome per call, after their retries.
  const observe = options.observe;
  if (observe) {
    octokit.hook.wrap("request", async (request, endpoint) => {
      const route = routeOf(endpoint.method, endpoint.url);
      try {
        const response = await request(endpoint);
        observe(route, "ok");
        return response;
      } catch (error) {
        observe(route, githubOutcome(error));
        throw error;
      }
    });
  }

  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw classify(what, error);
    }
  };

  return {
    repository: options.repository,
    createIssue: (issue) =>
      call("create issue", async () => {
        const { data } = await octokit.rest.issues.create({
          owner,
          repo,
          ...issue,
          request: { retries: 0 },
        });
        return toIssue(data);
      }),
    findIssueByMarker: (marker, since) =>
      call("find issue by marker", async () => {
        for await (const page of octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
          owner,
          repo,
          state: "all",
          sort: "created",
          direction: "desc",
          since: since.toISOString(),
          per_page: 100,
        })) {
          for (const issue of page.data) {
            if (issue.pull_request) continue;
            if ((issue.body ?? "").includes(marker)) return toIssue(issue);
          }
        }
        return undefined;
      }),
    getIssue: (number) =>
      call("get issue", async () => {
        try {
          const { data } = await octokit.rest.issues.get({ owner, repo, issue_number: number });
          return toIssue(data);
        } catch (error) {
          const status = (error as { status?: number }).status;
          if (status === 404 || status === 410) return undefined;
          throw error;
        }
      }),
    listIssuesUpdatedSince: (since) =>
      call("list issues", async () => {
        const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
          owner,
          repo,
          state: "all",
          sort: "updated",
          direction: "asc",
          since: since.toISOString(),
          per_page: 100,
        });
        return issues.filter((issue) => !issue.pull_request).map(toIssue);
      }),
    loginForEmail: (email) =>
      call("search users", async () => {
        const { data } = await octokit.rest.search.users({ q: `${email} in:email`, per_page: 2 });
        return data.items.length === 1 ? data.items[0]!.login : undefined;
      }),
    canBeAssigned: (login) =>
      call("check assignee", async () => {
        try {
          await octokit.rest.issues.checkUserCanBeAssigned({ owner, repo, assignee: login });
          return true;
        } catch (error) {
          if ((error as { status?: number }).status === 404) return false;
          throw error;
        }
      }),
    setIssueState: (number, state) =>
      call("update issue state", async () => {
        const { data } = await octokit.rest.issues.update({
          owner,
          repo,
          issue_number: number,
          state,
          ...(state === "closed" ? { state_reason: "completed" as const } : {}),
        });
        return toIssue(data);
      }),
  };
}

interface IssueData {
  number: number;
  html_url: string;
  state: string;
  state_reason?: string | null;
  closed_by?: { login: string } | null;
  closed_at?: string | null;
  body?: string | null;
  updated_at: string;
}

function toIssue(data: IssueData): GitHubIssue {
  return {
    number: data.number,
    url: data.html_url,
    state: data.state === "closed" ? "closed" : "open",
    stateReason: data.state_reason ?? null,
    closedBy: data.closed_by?.login ?? null,
    closedAt: data.closed_at ? new Date(data.closed_at) : null,
    body: data.body ?? "",
    updatedAt: new Date(data.updated_at),
  };
}

/**
 * The route template Octokit was given, never the expanded URL (no owner,
 * repository or issue number in a label). A paginated request's next page
 * comes as a whole URL from the Link header; it is labelled as such.
 */
function routeOf(method: string | undefined, url: string | undefined): string {
  const path = url ?? "";
  return `${method ?? "GET"} ${path.includes("://") ? "/{next_page}" : path.split("?")[0]}`;
}

function githubOutcome(error: unknown): ApiOutcome {
  const candidate = error as { status?: number; message?: string; response?: { headers?: Record<string, string | undefined> } };
  const status = candidate.status;
  if (status === undefined || status === 0) return "unreachable";
  if (status === 429) return "rate_limited";
  if (status === 403 && (candidate.response?.headers?.["x-ratelimit-remaining"] === "0" || /rate limit/i.test(candidate.message ?? "")))
    return "rate_limited";
  if (status >= 500) return "server_error";
  if (status === 404 || status === 410) return "not_found";
  return status >= 400 ? "error" : "ok";
}

/** GitHub's advice for a secondary rate limit that names no wait: at least a minute. */
const secondaryRateLimitWaitSeconds = 60;

/**
 * Outages, rate limits and lost connections become GitHubUnavailableError
 * (the outbox waits and retries); anything else (a bad token, a missing
 * repository, a validation error) is a real failure that needs a person.
 */
function classify(what: string, error: unknown): Error {
  const candidate = error as {
    status?: number;
    message?: string;
    response?: { headers?: Record<string, string | undefined> };
  };
  const status = candidate.status;
  const headers = candidate.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  const reset = Number(headers["x-ratelimit-reset"]);
  // GitHub sends x-ratelimit-* on every answer, errors included. The reset is only a wait when
  // the quota is spent; on a 5xx with quota left it is just when the hour's window ends, and
  // reading it as a wait parked the outbox for up to an hour instead of backing off.
  const quotaSpent = headers["x-ratelimit-remaining"] === "0";
  const rateLimited = status === 429 || (status === 403 && (quotaSpent || /rate limit/i.test(candidate.message ?? "")));
  const transient = status === undefined || status >= 500 || rateLimited;
  if (!transient) return new Error(`GitHub ${what} failed (${status}): ${candidate.message ?? "unknown error"}`);
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0
    ? retryAfter
    : quotaSpent && Number.isFinite(reset) && reset > 0
      ? Math.max(1, Math.ceil(reset - Date.now() / 1000))
      : rateLimited
        ? secondaryRateLimitWaitSeconds
        : undefined;
  return new GitHubUnavailableError(
    `GitHub ${what} failed: ${status ?? "no answer"} ${candidate.message ?? ""}`.trim(),
    status,
    retryAfterSeconds,
  );
}
