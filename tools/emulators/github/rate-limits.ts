import type { RateResource } from "./routes.ts";
import type { RateLimit } from "./shapes.ts";

export type RateLimitOptions = {
  /** Requests per hour for a token; GitHub's is 5,000 for a user token. */
  core?: number;
  /** Searches per minute for a token; GitHub's is 30. */
  search?: number;
  /**
   * Refuse requests over the quota with GitHub's 403 (`x-ratelimit-remaining: 0`), as the real API
   * does. On by default; turn it off for suites that only care about the headers.
   */
  enforce?: boolean;
};

type Bucket = { used: number; resetAtMs: number };

const windowMs: Record<RateResource, number> = { core: 3_600_000, search: 60_000 };

/** Unauthenticated callers get 60 core requests an hour and 10 searches a minute. */
const anonymousLimits: Record<RateResource, number> = { core: 60, search: 10 };

/** GitHub's primary rate limit: a fixed window per token and resource, starting at first use. */
export class RateLimits {
  private readonly buckets = new Map<string, Bucket>();
  private readonly limits: Record<RateResource, number>;
  readonly enforce: boolean;

  constructor(
    options: RateLimitOptions,
    private readonly now: () => number,
  ) {
    this.limits = { core: options.core ?? 5_000, search: options.search ?? 30 };
    this.enforce = options.enforce ?? true;
  }

  /** The state a response reports, without spending anything. */
  peek(caller: string | undefined, resource: RateResource): RateLimit {
    const limit = this.limitFor(caller, resource);
    const bucket = this.bucket(caller, resource);
    return {
      limit,
      used: bucket.used,
      remaining: Math.max(0, limit - bucket.used),
      reset: Math.ceil(bucket.resetAtMs / 1000),
    };
  }

  /** Spends one request; `allowed` is false when the window's quota is already gone. */
  consume(
    caller: string | undefined,
    resource: RateResource,
  ): { allowed: boolean; state: RateLimit } {
    const bucket = this.bucket(caller, resource);
    const limit = this.limitFor(caller, resource);
    if (this.enforce && bucket.used >= limit) {
      return { allowed: false, state: this.peek(caller, resource) };
    }
    bucket.used += 1;
    return { allowed: true, state: this.peek(caller, resource) };
  }

  overview(caller: string | undefined): Record<RateResource, RateLimit> {
    return { core: this.peek(caller, "core"), search: this.peek(caller, "search") };
  }

  reset(): void {
    this.buckets.clear();
  }

  private limitFor(caller: string | undefined, resource: RateResource): number {
    return caller === undefined ? anonymousLimits[resource] : this.limits[resource];
  }

  private bucket(caller: string | undefined, resource: RateResource): Bucket {
    const key = `${caller ?? "(anonymous)"}:${resource}`;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket || now >= bucket.resetAtMs) {
      bucket = { used: 0, resetAtMs: now + windowMs[resource] };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
