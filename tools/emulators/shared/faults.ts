/**
 * The bookkeeping both emulators' fault injectors share: which faults are live, which requests
 * they match, how many they have affected, and what one request suffers. What a fault can do,
 * how it is scoped and how it is answered stays with each emulator.
 */

/** How long a fault lasts; both bounds are optional. */
export type FaultWindow = {
  /** How many matching requests the fault affects; unlimited when absent. */
  times?: number;
  /**
   * Wall-clock time (ms since epoch, on the emulator's clock) after which the fault stops; no end
   * when absent.
   */
  untilMs?: number;
};

/** The one effect every emulator has that delays instead of failing. */
export type SlowEffect = { kind: "slow"; delayMs: number };

export type InjectedFault<Spec> = {
  readonly id: number;
  readonly spec: Spec;
  /** How many requests the fault has affected so far. */
  readonly hits: number;
  remove(): void;
};

/** The faults that apply to one request: a total delay, then at most one failure. */
export type FaultDecision<Failure> = { delayMs: number; failure?: Failure };

type FaultRecord<Spec, Target> = {
  id: number;
  spec: Spec;
  matches: (target: Target) => boolean;
  hits: number;
};

/**
 * @typeParam Spec what a test injects: a window, a scope and an effect.
 * @typeParam Failure what a matched non-slow fault makes of the request.
 * @typeParam Target what identifies a request for scoping (a Slack method, a GitHub route key).
 */
export abstract class FaultInjectorBase<
  Spec extends FaultWindow & { kind: string },
  Failure,
  Target,
> {
  private readonly faults: FaultRecord<Spec, Target>[] = [];
  private nextId = 1;

  constructor(private readonly nowMs: () => number) {}

  add(spec: Spec): InjectedFault<Spec> {
    this.validate(spec);
    const matches = this.matcher(spec);
    const record: FaultRecord<Spec, Target> = { id: this.nextId++, spec, matches, hits: 0 };
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
  get active(): readonly Spec[] {
    this.dropSpent();
    return this.faults.map((record) => record.spec);
  }

  /**
   * Decides what happens to one request and counts it against the faults used. Slow faults add
   * up; among failures the oldest matching fault wins, and only it spends one of its `times`.
   */
  decide(target: Target): FaultDecision<Failure> {
    this.dropSpent();
    const decision: FaultDecision<Failure> = { delayMs: 0 };
    for (const record of this.faults) {
      if (!record.matches(target)) continue;
      const { spec } = record;
      if (isSlow(spec)) {
        decision.delayMs += spec.delayMs;
        record.hits += 1;
      } else if (!decision.failure) {
        decision.failure = this.failureOf(spec);
        record.hits += 1;
      }
    }
    this.dropSpent();
    return decision;
  }

  /** Throws a RangeError for a spec that could never behave as meant. */
  protected abstract validate(spec: Spec): void;

  /** Which requests the spec's scope covers; may throw for a scope that names nothing real. */
  protected abstract matcher(spec: Spec): (target: Target) => boolean;

  /** The failure a non-slow spec causes, with its defaults filled in. */
  protected abstract failureOf(spec: Spec): Failure | undefined;

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

function isSlow<Spec extends { kind: string }>(spec: Spec): spec is Spec & SlowEffect {
  return spec.kind === "slow";
}

// ── Checks both emulators make of a spec ─────────────────────────────────

export function checkTimes(times: number | undefined): void {
  if (times !== undefined && (!Number.isInteger(times) || times < 1)) {
    throw new RangeError(`Fault "times" must be a positive integer, got ${times}`);
  }
}

export function checkServerErrorStatus(status: number | undefined): void {
  if (status !== undefined && (!Number.isInteger(status) || status < 500 || status > 599)) {
    throw new RangeError(`A server_error fault needs a 5xx status, got ${status}`);
  }
}

export function checkRetryAfterSeconds(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new RangeError("A rate_limited fault needs a whole, non-negative retryAfterSeconds");
  }
}

export function checkDelayMs(delayMs: number): void {
  if (!(delayMs >= 0)) throw new RangeError("A slow fault needs a non-negative delayMs");
}
