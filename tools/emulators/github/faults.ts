import {
  checkDelayMs,
  checkRetryAfterSeconds,
  checkServerErrorStatus,
  checkTimes,
  FaultInjectorBase,
  type FaultDecision as SharedFaultDecision,
  type FaultWindow,
  type InjectedFault as SharedInjectedFault,
} from "../shared/faults.ts";

/** What a fault does to the requests it matches. */
export type FaultEffect =
  /** HTTP 5xx (500 unless told), as during a GitHub outage. The request is not applied. */
  | { kind: "server_error"; status?: number }
  /**
   * A rate-limit refusal; the request is not applied.
   * - `limit: "secondary"` (default): GitHub's content-creation limit, 403 (or 429) with
   *   `retry-after` and a message containing "secondary rate limit", which is how
   *   plugin-throttling recognises it.
   * - `limit: "primary"`: the hourly quota is spent, 403 (or 429) with `x-ratelimit-remaining: 0`
   *   and `x-ratelimit-reset` `retryAfterSeconds` from now, and no `retry-after`.
   */
  | {
      kind: "rate_limited";
      limit?: "secondary" | "primary";
      status?: 403 | 429;
      /** 60 unless told, GitHub's usual answer. */
      retryAfterSeconds?: number;
    }
  /** The request is answered normally, after a delay (and applied even if the client gave up). */
  | { kind: "slow"; delayMs: number }
  /** The connection is dropped before the request is applied. */
  | { kind: "connection_reset" }
  /**
   * The crash window: the request IS applied (the issue is created, the webhook goes out), then the
   * connection is dropped without an answer, as when the bot dies or loses the response after
   * GitHub has done the work. This is what exactly-once creation has to survive.
   */
  | {
      kind: "drop_response";
      /**
       * Hold the connection open this long before dropping it, so a test can kill the client
       * while GitHub has done the work and the answer has not arrived. 0 by default.
       */
      holdMs?: number;
    };

export type FaultScope = FaultWindow & {
  /**
   * Route patterns such as `POST /repos/:owner/:repo/issues` (parameter names do not matter, so
   * Octokit's `{issue_number}` style works too); every request when absent.
   */
  route?: string | readonly string[];
};

export type FaultSpec = FaultScope & FaultEffect;

export type FaultKind = FaultEffect["kind"];

export type InjectedFault = SharedInjectedFault<FaultSpec>;

export type FaultFailure = Exclude<FaultEffect, { kind: "slow" }>;

/** The faults that apply to one request: a total delay, then at most one failure. */
export type FaultDecision = SharedFaultDecision<FaultFailure>;

/** `GET /repos/:owner/:repo` and `get /repos/{owner}/{repo}` compare equal. */
export function normalizeRouteKey(key: string): string {
  const match = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(key);
  if (!match) return key.trim();
  const [, method = "", path = ""] = match;
  const shape = path
    .replace(/^\/api\/v3(?=\/)/, "")
    .replace(/\/:[^/]+/g, "/:")
    .replace(/\/\{[^/}]+\}/g, "/:")
    .replace(/\/+$/, "");
  return `${method.toUpperCase()} ${shape || "/"}`;
}

export class FaultInjector extends FaultInjectorBase<
  FaultSpec,
  FaultFailure,
  string | undefined
> {
  /**
   * @param knownRoutes normalized keys of the route table, so a typo in `route` throws instead of
   *   silently never firing.
   */
  constructor(
    nowMs: () => number = Date.now,
    private readonly knownRoutes?: ReadonlySet<string>,
  ) {
    super(nowMs);
  }

  /** @param routeKey the normalized key of the matched route, or undefined for an unknown path. */
  protected matcher(spec: FaultSpec): (routeKey: string | undefined) => boolean {
    if (spec.route === undefined) return () => true;
    const routes = this.resolveRoutes(spec.route);
    return (routeKey) => routeKey !== undefined && routes.has(routeKey);
  }

  protected failureOf(spec: FaultSpec): FaultFailure | undefined {
    switch (spec.kind) {
      case "server_error":
        return { kind: "server_error", status: spec.status ?? 500 };
      case "rate_limited":
        return {
          kind: "rate_limited",
          limit: spec.limit ?? "secondary",
          status: spec.status ?? 403,
          retryAfterSeconds: spec.retryAfterSeconds ?? 60,
        };
      case "connection_reset":
        return { kind: "connection_reset" };
      case "drop_response":
        return { kind: "drop_response" };
      case "slow":
        return undefined;
    }
  }

  protected validate(spec: FaultSpec): void {
    checkTimes(spec.times);
    switch (spec.kind) {
      case "server_error":
        checkServerErrorStatus(spec.status);
        break;
      case "rate_limited":
        if (spec.status !== undefined && spec.status !== 403 && spec.status !== 429) {
          throw new RangeError(
            `A rate_limited fault answers 403 or 429, got ${String(spec.status)}`,
          );
        }
        if (spec.retryAfterSeconds !== undefined) checkRetryAfterSeconds(spec.retryAfterSeconds);
        break;
      case "slow":
        checkDelayMs(spec.delayMs);
        break;
      case "connection_reset":
      case "drop_response":
        break;
      default:
        throw new RangeError(`Unknown fault kind ${String((spec as { kind: unknown }).kind)}`);
    }
  }

  private resolveRoutes(route: string | readonly string[]): Set<string> {
    const keys = (typeof route === "string" ? [route] : route).map(normalizeRouteKey);
    if (this.knownRoutes) {
      const unknown = keys.filter((key) => !this.knownRoutes?.has(key));
      if (unknown.length > 0) {
        throw new RangeError(
          `No emulated GitHub route ${unknown.join(", ")}; known routes: ${[...this.knownRoutes].join(", ")}`,
        );
      }
    }
    return new Set(keys);
  }
}
