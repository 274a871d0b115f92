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

/** What a fault does to the calls it matches. */
export type FaultEffect =
  /** HTTP 429 with `Retry-After`, as Slack answers a call over its rate limit. */
  | { kind: "rate_limited"; retryAfterSeconds: number }
  /** HTTP 5xx (500 unless told), as during a Slack outage. */
  | { kind: "server_error"; status?: number }
  /** HTTP 200 with `{ ok: false, error }`, e.g. `name_taken` or `ratelimited`. */
  | { kind: "slack_error"; error: string }
  /** The call is answered normally, after a delay. */
  | { kind: "slow"; delayMs: number }
  /** The connection is dropped without an answer. */
  | { kind: "connection_reset" };

export type FaultScope = FaultWindow & {
  /** A Web API method (`chat.postMessage`), `response_url` or `file_upload`; every call when absent. */
  method?: string | readonly string[];
};

export type FaultSpec = FaultScope & FaultEffect;

export type InjectedFault = SharedInjectedFault<FaultSpec>;

export type FaultFailure = Exclude<FaultEffect, { kind: "slow" }>;

/** The faults that apply to one call: a total delay, then at most one failure. */
export type FaultDecision = SharedFaultDecision<FaultFailure>;

export class FaultInjector extends FaultInjectorBase<FaultSpec, FaultFailure, string> {
  constructor(nowMs: () => number = Date.now) {
    super(nowMs);
  }

  protected matcher(spec: FaultSpec): (method: string) => boolean {
    return (method) => {
      if (spec.method === undefined) return true;
      return typeof spec.method === "string" ? spec.method === method : spec.method.includes(method);
    };
  }

  protected failureOf(spec: FaultSpec): FaultFailure | undefined {
    switch (spec.kind) {
      case "rate_limited":
        return { kind: "rate_limited", retryAfterSeconds: spec.retryAfterSeconds };
      case "server_error":
        return { kind: "server_error", status: spec.status ?? 500 };
      case "slack_error":
        return { kind: "slack_error", error: spec.error };
      case "connection_reset":
        return { kind: "connection_reset" };
      case "slow":
        return undefined;
    }
  }

  protected validate(spec: FaultSpec): void {
    checkTimes(spec.times);
    if (spec.kind === "rate_limited") checkRetryAfterSeconds(spec.retryAfterSeconds);
    if (spec.kind === "server_error") checkServerErrorStatus(spec.status);
    if (spec.kind === "slow") checkDelayMs(spec.delayMs);
  }
}
