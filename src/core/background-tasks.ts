/**
 * Work that continues after Slack has been answered (everything after an
 * ack). Tracked so that SIGTERM can wait for it instead of cutting a
 * declaration in half.
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<unknown>>();

  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = () => this.running.delete(work);
    work.then(forget, forget);
    return work;
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when all tracked work has settled, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<{ unfinished: number }> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.running]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        }),
      ]);
      clearTimeout(timer);
    }
    return { unfinished: this.running.size };
  }
}
