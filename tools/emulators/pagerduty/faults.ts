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
import { type EventAction, eventActions } from "./events.ts";

/** What a fault does to the Events API requests it matches. */
export type FaultEffect =
  /** HTTP 5xx (500 unless told), as during a PagerDuty outage. The event is not applied. */
  | { kind: "server_error"; status?: number }
  /** HTTP 429 "throttle event" with `Retry-After` (60 s unless told); the event is not applied. */
  | { kind: "rate_limited"; retryAfterSeconds?: number }
  /** The event is answered normally, after a delay (and applied even if the client gave up). */
  | { kind: "slow"; delayMs: number }
  /** The connection is dropped before the event is applied. */
  | { kind: "connection_reset" }
  /**
   * The crash window: the event IS applied (the incident opens, the webhook goes out), then the
   * connection is dropped without an answer.
   */
  | { kind: "drop_response"; holdMs?: number };

export type FaultScope = FaultWindow & {
  /** The events it affects, by `event_action`; every request when absent. */
  eventAction?: EventAction | readonly EventAction[];
};

export type FaultSpec = FaultScope & FaultEffect;

export type FaultKind = FaultEffect["kind"];

export type InjectedFault = SharedInjectedFault<FaultSpec>;

export type FaultFailure = Exclude<FaultEffect, { kind: "slow" }>;

export type FaultDecision = SharedFaultDecision<FaultFailure>;

/**
 * Faults for `POST /v2/enqueue`. A request is scoped by the `event_action` in its body (undefined
 * when the body has none), so an outage can hit resolves only, say.
 */
export class FaultInjector extends FaultInjectorBase<
  FaultSpec,
  FaultFailure,
  EventAction | undefined
> {
  constructor(nowMs: () => number = Date.now) {
    super(nowMs);
  }

  protected matcher(spec: FaultSpec): (action: EventAction | undefined) => boolean {
    if (spec.eventAction === undefined) return () => true;
    const actions: readonly EventAction[] =
      typeof spec.eventAction === "string" ? [spec.eventAction] : spec.eventAction;
    const unknown = actions.filter((action) => !eventActions.includes(action));
    if (unknown.length > 0) {
      throw new RangeError(`No event_action ${unknown.join(", ")}; known: ${eventActions.join(", ")}`);
    }
    return (action) => action !== undefined && actions.includes(action);
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
