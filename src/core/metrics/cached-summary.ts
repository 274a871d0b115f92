import type { Clock } from "../clock.ts";

/**
 * A value loaded from the database at most once per window, however often it
 * is asked for: Prometheus (or several, or a scanner) may scrape /metrics as
 * often as it likes and the database sees one query set per window.
 *
 *  - Single flight: callers that arrive while a load runs share it.
 *  - A caller waits for a due load at most `maxWaitMs`, then gets the values
 *    it already has; a slow or down database never holds a scrape.
 *  - A failed load keeps the previous values and is not retried before the
 *    window ends either, so a database outage is not hammered by scrapes.
 */
export class CachedSummary<T> {
  private value: T | undefined;
  private loadedAtMs: number | undefined;
  private attemptedAtMs: number | undefined;
  private inflight: Promise<void> | undefined;
  /** Loads started, by outcome once finished. */
  readonly loads = { ok: 0, error: 0 };

  constructor(
    private readonly load: (now: Date) => Promise<T>,
    private readonly options: { clock: Clock; windowMs: number; maxWaitMs: number; onError?: (error: unknown) => void },
  ) {}

  /** The cached value, refreshed first if the window has passed (waiting at most maxWaitMs). */
  async get(): Promise<T | undefined> {
    const now = this.options.clock.now().getTime();
    if (this.attemptedAtMs === undefined || now - this.attemptedAtMs >= this.options.windowMs) {
      this.attemptedAtMs = now;
      this.inflight ??= this.refresh();
    }
    if (this.inflight) {
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        this.inflight,
        new Promise<void>((resolve) => {
          timeout = setTimeout(resolve, this.options.maxWaitMs);
        }),
      ]);
      clearTimeout(timeout);
    }
    return this.value;
  }

  /** The cached value as it is, without loading. */
  get current(): T | undefined {
    return this.value;
  }

  /** When the cached value was loaded (by the injected clock), if ever. */
  get loadedAt(): number | undefined {
    return this.loadedAtMs;
  }

  private async refresh(): Promise<void> {
    const now = this.options.clock.now();
    try {
      this.value = await this.load(now);
      this.loadedAtMs = now.getTime();
      this.loads.ok += 1;
    } catch (error) {
      this.loads.error += 1;
      this.options.onError?.(error);
    } finally {
      this.inflight = undefined;
    }
  }
}
