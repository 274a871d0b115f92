/**
 * What `run` throws, or undefined when it returns: for tests that check the
 * error itself (its class, its message, what it leaves out), where
 * `expect(run).toThrow(…)` can only match the message.
 */
export function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
