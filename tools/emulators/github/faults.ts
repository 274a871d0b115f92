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

export type FaultScope = {
  /**
   * Route patterns such as `POST /repos/:owner/:repo/issues` (parameter names do not matter, so
   * Octokit's `{issue_number}` style works too); every request when absent.
   */
  route?: string | readonly string[];
  /** How many matching requests the fault affects; unlimited when absent. */
  times?: number;
  /** Wall-clock time (ms since epoch, on the emulator's clock) after which the fault stops. */
  untilMs?: number;
};

export type FaultSpec = FaultScope & FaultEffect;

export type FaultKind = FaultEffect["kind"];

export type InjectedFault = {
  readonly id: number;
  readonly spec: FaultSpec;
  /** How many requests the fault has affected so far. */
  readonly hits: number;
  remove(): void;
};

export type FaultFailure = Exclude<FaultEffect, { kind: "slow" }>;

/** The faults that apply to one request: a total delay, then at most one failure. */
export type FaultDecision = { delayMs: number; failure?: FaultFailure };

type FaultRecord = { id: number; spec: FaultSpec; routes?: Set<string>; hits: number };

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

export class FaultInjector {
  private readonly faults: FaultRecord[] = [];
  private nextId = 1;

  /**
   * @param knownRoutes normalized keys of the route table, so a typo in `route` throws instead of
   *   silently never firing.
   */
  constructor(
    private readonly nowMs: () => number = Date.now,
    private readonly knownRoutes?: ReadonlySet<string>,
  ) {}

  add(spec: FaultSpec): InjectedFault {
    validateFaultSpec(spec);
    const routes = spec.route === undefined ? undefined : this.resolveRoutes(spec.route);
    const record: FaultRecord = { id: this.nextId++, spec, hits: 0, ...(routes ? { routes } : {}) };
    this.faults.push(record);
    const faults = this.faults;
    return {
      id: record.id,
      spec,
      get hits() {
        return record.hits;
      },
      remove() {
        const index = faults.indexOf(record);
        if (index >= 0) faults.splice(index, 1);
      },
    };
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** Faults that can still affect a request. */
  get active(): readonly FaultSpec[] {
    this.dropSpent();
    return this.faults.map((record) => record.spec);
  }

  /**
   * Decides what happens to one request and counts it against the faults used. Slow faults add
   * up; among failures the oldest matching fault wins, and only it spends one of its `times`.
   *
   * @param routeKey the normalized key of the matched route, or undefined for an unknown path.
   */
  decide(routeKey: string | undefined): FaultDecision {
    this.dropSpent();
    const decision: FaultDecision = { delayMs: 0 };
    for (const record of this.faults) {
      if (record.routes && (routeKey === undefined || !record.routes.has(routeKey))) continue;
      const { spec } = record;
      if (spec.kind === "slow") {
        decision.delayMs += spec.delayMs;
        record.hits += 1;
      } else if (!decision.failure) {
        decision.failure = failureOf(spec);
        record.hits += 1;
      }
    }
    this.dropSpent();
    return decision;
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

  private dropSpent(): void {
    const now = this.nowMs();
    for (let index = this.faults.length - 1; index >= 0; index--) {
      const record = this.faults[index];
      if (!record) continue;
      const exhausted = record.spec.times !== undefined && record.hits >= record.spec.times;
      const expired = record.spec.untilMs !== undefined && now >= record.spec.untilMs;
      if (exhausted || expired) this.faults.splice(index, 1);
    }
  }
}

function failureOf(spec: FaultSpec): FaultFailure | undefined {
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

function validateFaultSpec(spec: FaultSpec): void {
  if (spec.times !== undefined && (!Number.isInteger(spec.times) || spec.times < 1)) {
    throw new RangeError(`Fault "times" must be a positive integer, got ${spec.times}`);
  }
  switch (spec.kind) {
    case "server_error":
      if (
        spec.status !== undefined &&
        (!Number.isInteger(spec.status) || spec.status < 500 || spec.status > 599)
      ) {
        throw new RangeError(`A server_error fault needs a 5xx status, got ${spec.status}`);
      }
      break;
    case "rate_limited":
      if (spec.status !== undefined && spec.status !== 403 && spec.status !== 429) {
        throw new RangeError(`A rate_limited fault answers 403 or 429, got ${String(spec.status)}`);
      }
      if (
        spec.retryAfterSeconds !== undefined &&
        (!Number.isInteger(spec.retryAfterSeconds) || spec.retryAfterSeconds < 0)
      ) {
        throw new RangeError("A rate_limited fault needs a whole, non-negative retryAfterSeconds");
      }
      break;
    case "slow":
      if (!(spec.delayMs >= 0)) throw new RangeError("A slow fault needs a non-negative delayMs");
      break;
    case "connection_reset":
    case "drop_response":
      break;
    default:
      throw new RangeError(`Unknown fault kind ${String((spec as { kind: unknown }).kind)}`);
  }
}
