import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.ts";
import { CachedSummary } from "../../src/core/metrics/cached-summary.ts";

/** A loader that counts its calls and finishes only when told. */
function controlledLoader() {
  const calls: { resolve: (value: number) => void; reject: (error: Error) => void }[] = [];
  const load = () =>
    new Promise<number>((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  return { load, calls };
}

describe("CachedSummary", () => {
  it("loads once per window: concurrent callers share one load, later ones get the cached value", async () => {
    const clock = new ManualClock(0);
    const { load, calls } = controlledLoader();
    const summary = new CachedSummary(load, { clock, windowMs: 10_000, maxWaitMs: 5_000 });
    const first = Array.from({ length: 25 }, () => summary.get());
    expect(calls).toHaveLength(1);
    calls[0]!.resolve(7);
    expect(await Promise.all(first)).toEqual(Array(25).fill(7));
    clock.advance(9_999);
    for (let index = 0; index < 100; index++) expect(await summary.get()).toBe(7);
    expect(calls).toHaveLength(1);
    clock.advance(1);
    const next = summary.get();
    expect(calls).toHaveLength(2);
    calls[1]!.resolve(8);
    expect(await next).toBe(8);
    expect(summary.loads).toEqual({ ok: 2, error: 0 });
  });

  it("never holds a caller longer than maxWaitMs: a slow load answers with the previous value", async () => {
    const clock = new ManualClock(0);
    const { load, calls } = controlledLoader();
    const summary = new CachedSummary(load, { clock, windowMs: 1_000, maxWaitMs: 20 });
    const pending = summary.get();
    calls[0]!.resolve(1);
    expect(await pending).toBe(1);
    clock.advance(1_000);
    // The database hangs: the caller gets 1 after maxWaitMs, and nobody starts a second load.
    expect(await summary.get()).toBe(1);
    expect(await summary.get()).toBe(1);
    expect(calls).toHaveLength(2);
    calls[1]!.resolve(2);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await summary.get()).toBe(2);
  });

  it("keeps the previous value when a load fails, and does not retry before the window ends", async () => {
    const clock = new ManualClock(0);
    let calls = 0;
    let fail = false;
    const errors: unknown[] = [];
    const summary = new CachedSummary(
      async () => {
        calls += 1;
        if (fail) throw new Error("database down");
        return calls;
      },
      { clock, windowMs: 1_000, maxWaitMs: 1_000, onError: (error) => errors.push(error) },
    );
    expect(await summary.get()).toBe(1);
    fail = true;
    clock.advance(1_000);
    expect(await summary.get()).toBe(1);
    expect(await summary.get()).toBe(1);
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
    expect(summary.loads).toEqual({ ok: 1, error: 1 });
    expect(summary.loadedAt).toBe(0);
  });
});
