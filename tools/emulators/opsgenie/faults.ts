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

/** What a fault does to the Alert API requests it matches. */
export type FaultEffect =
  /** HTTP 5xx (500 unless told), as during an Opsgenie outage. Nothing is applied. */
  | { kind: "server_error"; status?: number }
  /** HTTP 429 with `Retry-After` (60 s unless told) and `X-RateLimit-State: THROTTLED`. */
  | { kind: "rate_limited"; retryAfterSeconds?: number }
  /** Answered normally, after a delay (and applied even if the client gave up). */
  | { kind: "slow"; delayMs: number }
  /** The connection is dropped before the request is applied. */
  | { kind: "connection_reset" }
  /** The request IS applied, then the connection is dropped without an answer. */
  | { kind: "drop_response"; holdMs?: number };

export type FaultScope = FaultWindow & {
  /** Route patterns such as `POST /v2/alerts/:identifier/close`; every request when absent. */
  route?: string | readonly string[];
};

export type FaultSpec = FaultScope & FaultEffect;

export type FaultKind = FaultEffect["kind"];

export type InjectedFault = SharedInjectedFault<FaultSpec>;

export type FaultFailure = Exclude<FaultEffect, { kind: "slow" }>;

export type FaultDecision = SharedFaultDecision<FaultFailure>;

export class FaultInjector extends FaultInjectorBase<FaultSpec, FaultFailure, string | undefined> {
  /** @param knownRoutes the route table's patterns, so a typo in `route` throws. */
  constructor(
    nowMs: () => number,
    private readonly knownRoutes: ReadonlySet<string>,
  ) {
    super(nowMs);
  }

  /** @param route the matched route pattern, undefined for an unknown path. */
  protected matcher(spec: FaultSpec): (route: string | undefined) => boolean {
    if (spec.route === undefined) return () => true;
    const routes = typeof spec.route === "string" ? [spec.route] : spec.route;
    const unknown = routes.filter((route) => !this.knownRoutes.has(route));
    if (unknown.length > 0) {
      throw new RangeError(
        `No emulated Opsgenie route ${unknown.join(", ")}; known routes: ${[...this.knownRoutes].join(", ")}`,
      );
    }
    return (route) => route !== undefined && routes.includes(route);
  }

  protected failureOf(spec: FaultSpec): FaultFailure | undefined {
    switch (spec.kind) {
      case "server_error":
        return { kind: "server_error", status: spec.status ?? 500 };
      case "rate_limited":
        return { kind: "rate_limited", retryAfterSeconds: spec.retryAfterSeconds ?? 60 };
      case "connection_reset":
        return { kind: "connection_reset" };
      case "drop_response":
        return { kind: "drop_response", holdMs: spec.holdMs ?? 0 };
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
}
