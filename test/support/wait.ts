/**
 * Waiting for a condition instead of a fixed time: for what another process,
 * a socket or the real clock does, where the test cannot await the work
 * itself. A fixed sleep is either too short on a loaded machine (a flaky
 * test) or too long everywhere (a slow one).
 */

export interface WaitOptions {
  /** Named in the timeout error: "timed out waiting for <what>". */
  what: string;
  timeoutMs?: number;
  /** Pause between probes. */
  intervalMs?: number;
}

/**
 * Probes until `done(value)` holds and returns that value. After `timeoutMs`
 * it throws, naming `what` and the last value probed.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  done: (value: T) => boolean,
  { what, timeoutMs = 20_000, intervalMs = 25 }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${describe(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls until `condition` holds (for what another process does on the real clock). */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  await waitFor(condition, (held) => held, { what, timeoutMs });
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item)) ?? String(value);
  } catch {
    return String(value);
  }
}
