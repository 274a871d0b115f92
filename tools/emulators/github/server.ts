import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { RecordingEmulator } from "../shared/emulator.ts";
import {
  closeServer,
  dropConnection,
  listen,
  pause,
  readBody as readBodyUpTo,
  serveFaultDelay,
  startListening,
} from "../shared/http.ts";
import { ApiError, docs } from "./errors.ts";
import { type FaultFailure, type FaultKind, FaultInjector, normalizeRouteKey } from "./faults.ts";
import { type RateLimitOptions, RateLimits } from "./rate-limits.ts";
import {
  type Answer,
  knownRouteKeys,
  matchRoute,
  type RateResource,
  type RouteMatch,
} from "./routes.ts";
import type { Issue, RateLimit, Urls } from "./shapes.ts";
import { type WebhookDelivery, webhookEventFor, WebhookSender } from "./webhooks.ts";
import type { IssueRecord, StateReason, UserRecord } from "./records.ts";
import { defaultSeed, type IssueUpdate, type SeedData, World } from "./world.ts";

export type GitHubEmulatorOptions = {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** The one token the API accepts (as `token …` or `Bearer …`); it belongs to `tokenUser`. */
  token?: string;
  /** Login of the token's user, `octobot` by default; created when the seed lacks it. */
  tokenUser?: string;
  /** Replaces parts of the default world (users, repositories with labels and issues). */
  seed?: Partial<SeedData>;
  /** How long a new issue stays invisible to `GET /search/issues`; 0 by default. */
  searchIndexDelayMs?: number;
  /** Create `owner/name` on first use (the default); when false, unknown repositories are 404. */
  autoCreateRepos?: boolean;
  /** Base of `html_url`s; `https://github.com` by default. */
  htmlUrl?: string;
  /** Primary rate limits; enforced with GitHub's quotas by default. */
  rateLimit?: RateLimitOptions;
  /** Clock for timestamps, the search index delay, rate-limit windows and fault windows. */
  now?: () => number;
};

export type RecordedCall = {
  method: string;
  /** The path without query and without any `/api/v3` prefix, e.g. `/repos/acme/ops/issues`. */
  path: string;
  /** The matched route pattern, e.g. `POST /repos/:owner/:repo/issues`; absent for unknown paths. */
  route?: string;
  params: Record<string, string>;
  query: Record<string, string>;
  /** The parsed JSON body, or its text when it was not JSON. */
  body: unknown;
  /** HTTP status answered; 0 when the connection was dropped (connection_reset, drop_response). */
  status: number;
  /** The body answered, or for drop_response the body that was never delivered. */
  response: unknown;
  /** The headers answered (absent when the connection was dropped before an answer). */
  responseHeaders?: Record<string, string>;
  at: Date;
  /** Set when an injected fault decided the answer. */
  fault?: FaultKind;
  requestId: string;
  /** Login of the authenticated caller. */
  user?: string;
};

export type HumanActionOptions = {
  /** Who acts on github.com; a human collaborator of the repository by default. */
  by?: string;
  /** False models a webhook GitHub never delivered, which only a reconcile can catch. */
  deliverWebhook?: boolean;
};

export type HumanActionResult = {
  issue: Issue;
  /** The deliveries the change caused, already answered by the receiver. */
  deliveries: WebhookDelivery[];
};

export type IssueEdit = {
  title?: string;
  body?: string | null;
  labels?: string[];
  assignees?: string[];
};

export interface GitHubEmulator extends RecordingEmulator<World, RecordedCall, FaultInjector> {
  /** For Octokit's `baseUrl`: `http://127.0.0.1:PORT`. */
  readonly apiUrl: string;
  /** The same API under GitHub Enterprise Server's prefix: `http://127.0.0.1:PORT/api/v3`. */
  readonly enterpriseApiUrl: string;
  readonly token: string;
  /** Calls to a route, by pattern (`PATCH /repos/:owner/:repo/issues/:number`) or concrete path. */
  callsTo(route: string): RecordedCall[];
  readonly webhooks: WebhookSender;
  readonly rateLimits: RateLimits;
  /** A human closes the issue on github.com; the webhook (unless suppressed) has been answered on return. */
  closeIssue(
    repo: string,
    number: number,
    options?: HumanActionOptions & { reason?: Exclude<StateReason, "reopened"> },
  ): Promise<HumanActionResult>;
  reopenIssue(
    repo: string,
    number: number,
    options?: HumanActionOptions,
  ): Promise<HumanActionResult>;
  editIssue(
    repo: string,
    number: number,
    changes: IssueEdit,
    options?: HumanActionOptions,
  ): Promise<HumanActionResult>;
  commentOnIssue(
    repo: string,
    number: number,
    body: string,
    options?: HumanActionOptions,
  ): Promise<HumanActionResult>;
  /** Deleted issues answer 410 Gone. */
  deleteIssue(
    repo: string,
    number: number,
    options?: HumanActionOptions,
  ): Promise<WebhookDelivery[]>;
}

export const defaultToken = "ghp_emulatorToken0000000000000000000000";

const maxBodyBytes = 25 * 1024 * 1024;

export async function startGitHubEmulator(
  options: GitHubEmulatorOptions = {},
): Promise<GitHubEmulator> {
  return startListening(new LoopbackGitHubEmulator(options), options);
}

class LoopbackGitHubEmulator implements GitHubEmulator {
  readonly world: World;
  readonly faults: FaultInjector;
  readonly webhooks: WebhookSender;
  readonly rateLimits: RateLimits;
  readonly token: string;
  private readonly recorded: RecordedCall[] = [];
  private readonly server: Server;
  private readonly now: () => number;
  private readonly htmlUrl: string;
  private readonly tokenUser: string;
  private origin = "";
  private closed = false;
  /** Deliveries caused by the human action in progress, so the helper can await them. */
  private capture: Promise<WebhookDelivery>[] | undefined;

  constructor(options: GitHubEmulatorOptions) {
    this.now = options.now ?? Date.now;
    this.token = options.token ?? defaultToken;
    this.tokenUser = options.tokenUser ?? "octobot";
    this.htmlUrl = (options.htmlUrl ?? "https://github.com").replace(/\/+$/, "");
    const base = defaultSeed();
    this.world = new World(
      { users: options.seed?.users ?? base.users, repos: options.seed?.repos ?? base.repos },
      {
        now: this.now,
        urls: () => this.urls(""),
        searchIndexDelayMs: options.searchIndexDelayMs ?? 0,
        autoCreateRepos: options.autoCreateRepos ?? true,
        tokenUser: this.tokenUser,
      },
    );
    this.faults = new FaultInjector(this.now, knownRouteKeys);
    this.webhooks = new WebhookSender(this.now);
    this.rateLimits = new RateLimits(options.rateLimit ?? {}, this.now);
    this.world.onEvent((event) => {
      if (!event.deliver) return;
      const delivery = this.webhooks.send(webhookEventFor(event, this.urls("")));
      if (delivery && this.capture) this.capture.push(delivery);
    });
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent && !response.destroyed) {
          send(response, {
            status: 500,
            body: { message: "Emulator failure", detail: String(error), status: "500" },
          });
        }
      });
    });
  }

  async listen(port: number, host: string): Promise<void> {
    this.origin = `http://${await listen(this.server, port, host)}`;
  }

  get apiUrl(): string {
    return this.origin;
  }

  get enterpriseApiUrl(): string {
    return `${this.origin}/api/v3`;
  }

  get calls(): readonly RecordedCall[] {
    return this.recorded;
  }

  callsTo(route: string): RecordedCall[] {
    const key = normalizeRouteKey(route);
    return this.recorded.filter(
      (call) =>
        (call.route !== undefined && normalizeRouteKey(call.route) === key) ||
        normalizeRouteKey(`${call.method} ${call.path}`) === key,
    );
  }

  resetCalls(): void {
    this.recorded.length = 0;
  }

  closeIssue(
    repo: string,
    number: number,
    options: HumanActionOptions & { reason?: Exclude<StateReason, "reopened"> } = {},
  ): Promise<HumanActionResult> {
    return this.actAsHuman(repo, number, options, (issue, actor, deliver) =>
      this.world.updateIssue(
        issue,
        actor,
        { state: "closed", stateReason: options.reason ?? "completed" },
        deliver,
      ),
    );
  }

  reopenIssue(repo: string, number: number, options: HumanActionOptions = {}) {
    return this.actAsHuman(repo, number, options, (issue, actor, deliver) =>
      this.world.updateIssue(issue, actor, { state: "open" }, deliver),
    );
  }

  editIssue(repo: string, number: number, changes: IssueEdit, options: HumanActionOptions = {}) {
    return this.actAsHuman(repo, number, options, (issue, actor, deliver) => {
      const update: IssueUpdate = {};
      if (changes.title !== undefined) update.title = changes.title;
      if (changes.body !== undefined) update.body = changes.body;
      if (changes.labels !== undefined) update.labels = changes.labels;
      if (changes.assignees !== undefined) {
        update.assignees = changes.assignees.map((login) => this.requireUser(login));
      }
      this.world.updateIssue(issue, actor, update, deliver);
    });
  }

  commentOnIssue(repo: string, number: number, body: string, options: HumanActionOptions = {}) {
    return this.actAsHuman(repo, number, options, (issue, actor, deliver) => {
      this.world.addComment(issue, actor, body, deliver);
    });
  }

  async deleteIssue(
    repo: string,
    number: number,
    options: HumanActionOptions = {},
  ): Promise<WebhookDelivery[]> {
    const { deliveries } = await this.actAsHuman(repo, number, options, (issue, actor, deliver) =>
      this.world.deleteIssue(issue, actor, deliver),
    );
    return deliveries;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.webhooks.close();
    await closeServer(this.server);
  }

  // ── Human actions ─────────────────────────────────────────────────────

  private async actAsHuman(
    repo: string,
    number: number,
    options: HumanActionOptions,
    act: (issue: IssueRecord, actor: UserRecord, deliver: { deliverWebhook: boolean }) => unknown,
  ): Promise<HumanActionResult> {
    const issue = this.world.issueRecord(repo, number);
    if (!issue || issue.deletedAt !== null) throw new Error(`No issue ${repo}#${number}`);
    const actor = options.by ? this.requireUser(options.by) : this.defaultHuman(issue);
    const captured: Promise<WebhookDelivery>[] = [];
    this.capture = captured;
    try {
      act(issue, actor, { deliverWebhook: options.deliverWebhook ?? true });
    } finally {
      this.capture = undefined;
    }
    const deliveries = await Promise.all(captured);
    // A deleted issue has no REST answer any more; its last state still helps assertions.
    return { issue: this.world.render(issue), deliveries };
  }

  private requireUser(login: string): UserRecord {
    const user = this.world.userRecord(login);
    if (!user) throw new Error(`No GitHub user ${login} in the emulated world`);
    return user;
  }

  private defaultHuman(issue: IssueRecord): UserRecord {
    const human = this.world
      .userRecords()
      .find(
        (user) =>
          user.type === "User" &&
          user.login.toLowerCase() !== this.tokenUser.toLowerCase() &&
          this.world.canPush(issue.repo, user),
      );
    return human ?? this.requireUser(this.tokenUser);
  }

  // ── HTTP ──────────────────────────────────────────────────────────────

  private urls(prefix: string): Urls {
    return { api: `${this.origin}${prefix}`, html: this.htmlUrl };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const at = new Date(this.now());
    const url = new URL(request.url ?? "/", this.origin);
    // GitHub Enterprise Server serves the same API under /api/v3.
    const enterprise = url.pathname === "/api/v3" || url.pathname.startsWith("/api/v3/");
    const path = enterprise ? url.pathname.slice("/api/v3".length) || "/" : url.pathname;
    const method = (request.method ?? "GET").toUpperCase();
    const match = matchRoute(method, path);
    const requestId = newRequestId();
    const raw = await readBody(request);
    const parsed = parseJson(raw);

    const record = (status: number, answered: unknown, fault?: FaultKind, user?: string, headers?: Record<string, string>) => {
      this.recorded.push({
        method,
        path,
        ...(match ? { route: match.key, params: match.params } : { params: {} }),
        query: Object.fromEntries(url.searchParams),
        body: parsed.ok ? parsed.value : raw.toString("utf8"),
        status,
        response: answered,
        at,
        ...(fault ? { fault } : {}),
        requestId,
        ...(user ? { user } : {}),
        ...(headers ? { responseHeaders: headers } : {}),
      });
    };

    // Faults come first and, when one fires (other than drop_response), nothing is applied: an
    // outage must not change the world, or a retry would be double-counted.
    const decision = this.faults.decide(match ? normalizeRouteKey(match.key) : undefined);
    const answered = await serveFaultDelay(
      decision,
      response,
      () => this.closed,
      () => record(0, undefined, "connection_reset"),
    );
    if (!answered) return;
    const failure = decision.failure;
    const caller = this.authenticate(request);
    const resource: RateResource = match?.route.resource ?? "core";
    const callerLogin = caller.kind === "user" ? caller.user.login : undefined;
    if (failure && failure.kind !== "drop_response") {
      const limit = this.rateLimits.peek(callerLogin, resource);
      const callerId = caller.kind === "user" ? caller.user.id : 0;
      const answer = withCommonHeaders(
        this.faultAnswer(failure, requestId, limit, callerId, resource, callerLogin !== undefined),
        requestId,
        callerLogin !== undefined,
      );
      record(answer.status, answer.body, failure.kind, callerLogin, answer.headers);
      send(response, answer);
      return;
    }

    const answer = this.answer({ match, caller, resource, url, enterprise, parsed });
    const final = withCommonHeaders(answer, requestId, callerLogin !== undefined);
    if (failure?.kind === "drop_response") {
      record(0, answer.body, failure.kind, callerLogin);
      if (failure.holdMs) await pause(failure.holdMs);
      dropConnection(response);
      return;
    }
    record(final.status, final.body, undefined, callerLogin, final.headers);
    send(response, final);
  }

  private answer(input: {
    match: RouteMatch | undefined;
    caller: Caller;
    resource: RateResource;
    url: URL;
    enterprise: boolean;
    parsed: ParsedBody;
  }): Answer {
    const { match, caller, resource, url, enterprise, parsed } = input;
    const anonymousLimit = () =>
      rateLimitHeaders(this.rateLimits.consume(undefined, resource).state, resource);
    if (caller.kind === "bad") {
      return errorAnswer(new ApiError(401, "Bad credentials", docs.root), anonymousLimit());
    }
    if (caller.kind === "anonymous") {
      const error = match
        ? new ApiError(401, "Requires authentication", docs.root)
        : new ApiError(404, "Not Found", docs.root);
      return errorAnswer(error, anonymousLimit());
    }
    const login = caller.user.login;
    let limitState: RateLimit;
    if (match?.route.free) {
      limitState = this.rateLimits.peek(login, resource);
    } else {
      const spent = this.rateLimits.consume(login, resource);
      limitState = spent.state;
      if (!spent.allowed) {
        return errorAnswer(
          new ApiError(
            403,
            `API rate limit exceeded for user ID ${caller.user.id}.`,
            docs.primaryRateLimit,
          ),
          rateLimitHeaders(limitState, resource),
        );
      }
    }
    const limitHeaders = rateLimitHeaders(limitState, resource);
    if (!match) return errorAnswer(new ApiError(404, "Not Found", docs.root), limitHeaders);
    if (!parsed.ok) {
      return errorAnswer(new ApiError(400, "Problems parsing JSON", docs.root), limitHeaders);
    }
    try {
      const answer = match.route.handle({
        world: this.world,
        params: match.params,
        query: url.searchParams,
        body: parsed.value,
        actor: caller.user,
        urls: this.urls(enterprise ? "/api/v3" : ""),
        url,
        now: this.now(),
        rateLimits: () => this.rateLimits.overview(login),
      });
      return { ...answer, headers: { ...limitHeaders, ...answer.headers } };
    } catch (error) {
      if (error instanceof ApiError) return errorAnswer(error, limitHeaders);
      throw error;
    }
  }

  private authenticate(request: IncomingMessage): Caller {
    const header = request.headers.authorization;
    if (!header) return { kind: "anonymous" };
    const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header.trim());
    if (!match || match[1] !== this.token) return { kind: "bad" };
    const user = this.world.userRecord(this.tokenUser);
    return user ? { kind: "user", user } : { kind: "bad" };
  }

  private faultAnswer(
    failure: FaultFailure,
    requestId: string,
    limit: RateLimit,
    callerId: number,
    resource: RateResource,
    authenticated: boolean,
  ): Answer {
    switch (failure.kind) {
      case "server_error": {
        const status = failure.status ?? 500;
        // GitHub reports the caller's quota on its errors too: an outage answer carries
        // x-ratelimit-* with plenty remaining, and a client must not read the reset as a wait.
        return {
          status,
          body: { message: serverErrorMessages[status] ?? "Server Error", status: String(status) },
          ...(authenticated ? { headers: rateLimitHeaders(limit, resource) } : {}),
        };
      }
      case "rate_limited": {
        const status = failure.status ?? 403;
        const retryAfter = failure.retryAfterSeconds ?? 60;
        if (failure.limit === "primary") {
          const reset = Math.ceil(this.now() / 1000) + retryAfter;
          return errorAnswer(
            new ApiError(
              status,
              `API rate limit exceeded for user ID ${callerId}.`,
              docs.primaryRateLimit,
            ),
            rateLimitHeaders({ ...limit, remaining: 0, used: limit.limit, reset }, "core"),
          );
        }
        return errorAnswer(
          new ApiError(
            status,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try " +
              `again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
            docs.secondaryRateLimit,
          ),
          { ...rateLimitHeaders(limit, "core"), "retry-after": String(retryAfter) },
        );
      }
      default:
        throw new Error(`Fault ${failure.kind} has no HTTP answer`);
    }
  }
}

type Caller = { kind: "anonymous" } | { kind: "bad" } | { kind: "user"; user: UserRecord };

type ParsedBody = { ok: true; value: unknown } | { ok: false };

const serverErrorMessages: Record<number, string> = {
  500: "Server Error",
  502: "Server Error",
  503: "Service Unavailable",
  504: "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists.",
};

function parseJson(raw: Buffer): ParsedBody {
  if (raw.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw.toString("utf8")) as unknown };
  } catch {
    return { ok: false };
  }
}

function errorAnswer(error: ApiError, headers: Record<string, string>): Answer {
  return { status: error.status, body: error.body, headers: { ...headers, ...error.headers } };
}

function rateLimitHeaders(state: RateLimit, resource: RateResource): Record<string, string> {
  return {
    "x-ratelimit-limit": String(state.limit),
    "x-ratelimit-remaining": String(state.remaining),
    "x-ratelimit-reset": String(state.reset),
    "x-ratelimit-used": String(state.used),
    "x-ratelimit-resource": resource,
  };
}

function withCommonHeaders(answer: Answer, requestId: string, authenticated: boolean): Answer {
  return {
    ...answer,
    headers: {
      "x-github-api-version-selected": "2022-11-28",
      "x-github-media-type": "github.v3; format=json",
      "x-github-request-id": requestId,
      ...(authenticated ? { "x-oauth-scopes": "repo, read:user, user:email" } : {}),
      ...answer.headers,
    },
  };
}

/** Shaped like GitHub's: five hex groups. */
function newRequestId(): string {
  const hex = (bytes: number) => randomBytes(bytes).toString("hex").toUpperCase();
  return `${hex(2)}:${hex(2)}:${hex(3)}:${hex(3)}:${hex(4)}`;
}

function send(response: ServerResponse, answer: Answer): void {
  if (response.headersSent || response.destroyed) return;
  if (answer.status === 204 || answer.body === undefined) {
    response.writeHead(answer.status, { ...answer.headers, "content-length": 0 });
    response.end();
    return;
  }
  const payload = JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    ...answer.headers,
  });
  response.end(payload);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return readBodyUpTo(request, maxBodyBytes, () => new Error("request body too large"));
}
