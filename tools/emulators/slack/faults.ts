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

export type FaultScope = {
  /** A Web API method (`chat.postMessage`), `response_url` or `file_upload`; every call when absent. */
  method?: string | readonly string[];
  /** How many matching calls the fault affects; unlimited when absent. */
  times?: number;
  /** Wall-clock time (ms since epoch) after which the fault stops; no end when absent. */
  untilMs?: number;
};

export type FaultSpec = FaultScope & FaultEffect;

export type InjectedFault = {
  readonly id: number;
  readonly spec: FaultSpec;
  /** How many calls the fault has affected so far. */
  readonly hits: number;
  remove(): void;
};

/** The faults that apply to one call: a total delay, then at most one failure. */
export type FaultDecision = {
  delayMs: number;
  failure?: Exclude<FaultEffect, { kind: "slow" }>;
};

type FaultRecord = { id: number; spec: FaultSpec; hits: number };

export class FaultInjector {
  private readonly faults: FaultRecord[] = [];
  private nextId = 1;

  constructor(private readonly nowMs: () => number = Date.now) {}

  add(spec: FaultSpec): InjectedFault {
    validateFaultSpec(spec);
    const record: FaultRecord = { id: this.nextId++, spec, hits: 0 };
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

  /** Faults that can still affect a call. */
  get active(): readonly FaultSpec[] {
    this.dropSpent();
    return this.faults.map((record) => record.spec);
  }

  /**
   * Decides what happens to one call and counts it against the faults used. Slow faults add up;
   * among failures the oldest matching fault wins, and only it spends one of its `times`.
   */
  decide(method: string): FaultDecision {
    this.dropSpent();
    const decision: FaultDecision = { delayMs: 0 };
    for (const record of this.faults) {
      if (!matchesMethod(record.spec, method)) continue;
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

function matchesMethod(spec: FaultSpec, method: string): boolean {
  if (spec.method === undefined) return true;
  return typeof spec.method === "string" ? spec.method === method : spec.method.includes(method);
}

function failureOf(spec: FaultSpec): FaultDecision["failure"] {
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

function validateFaultSpec(spec: FaultSpec): void {
  if (spec.times !== undefined && (!Number.isInteger(spec.times) || spec.times < 1)) {
    throw new RangeError(`Fault "times" must be a positive integer, got ${spec.times}`);
  }
  if (spec.kind === "rate_limited") {
    if (!Number.isInteger(spec.retryAfterSeconds) || spec.retryAfterSeconds < 0) {
      throw new RangeError("A rate_limited fault needs a whole, non-negative retryAfterSeconds");
    }
  }
  if (spec.kind === "server_error" && spec.status !== undefined) {
    if (!Number.isInteger(spec.status) || spec.status < 500 || spec.status > 599) {
      throw new RangeError(`A server_error fault needs a 5xx status, got ${spec.status}`);
    }
  }
  if (spec.kind === "slow" && !(spec.delayMs >= 0)) {
    throw new RangeError("A slow fault needs a non-negative delayMs");
  }
}
