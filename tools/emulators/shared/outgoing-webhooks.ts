import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { pause } from "./http.ts";

/**
 * Outgoing webhook POSTs with bounded retries, shared by the pager emulators. What is sent (the
 * payload, its headers and signature) stays with each emulator; this only carries it and records
 * how each attempt went.
 */

export type RetryPolicy = {
  /** Attempts in all, the first included; at least 1. */
  maxAttempts: number;
  /** The wait before the 2nd, 3rd, … attempt; the last entry repeats when attempts outnumber it. */
  backoffMs: readonly number[];
  /** How long one attempt may take before it counts as failed (status 0). */
  timeoutMs: number;
};

export type DeliveryAttempt = {
  at: Date;
  /** The receiver's HTTP status; 0 when it could not be reached or timed out. */
  status: number;
  responseBody?: string;
  error?: string;
  durationMs: number;
};

export type DeliveryOutcome = {
  attempts: DeliveryAttempt[];
  /** The last attempt's status. */
  status: number;
  /** Whether an attempt was answered 2xx. */
  delivered: boolean;
};

export type OutgoingRequest = {
  url: string;
  headers: Record<string, string>;
  body: string;
};

export function checkRetryPolicy(policy: RetryPolicy): void {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`A retry policy needs maxAttempts ≥ 1, got ${policy.maxAttempts}`);
  }
  if (policy.backoffMs.some((delay) => !(delay >= 0))) {
    throw new RangeError("A retry policy's backoffMs must be non-negative");
  }
  if (!(policy.timeoutMs > 0)) throw new RangeError("A retry policy needs a positive timeoutMs");
}

/**
 * Sends one delivery at a time, in the order they were queued: a receiver sees the changes in the
 * order they happened, and a delivery being retried holds back the ones behind it. Any answer
 * other than 2xx, a refused connection and a timeout all count as failures and are retried until
 * `maxAttempts` is spent.
 */
export class WebhookDispatcher {
  private readonly inFlight = new Set<{ destroy(): void }>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly now: () => number,
    readonly policy: RetryPolicy,
  ) {
    checkRetryPolicy(policy);
  }

  /** Queues a delivery; it starts after the API answer that caused it has been written. */
  dispatch(request: OutgoingRequest): Promise<DeliveryOutcome> {
    const outcome = this.queue
      .then(() => new Promise((resolve) => setImmediate(resolve)))
      .then(() => this.deliver(request));
    this.queue = outcome.catch(() => undefined);
    return outcome;
  }

  /** Resolves when every queued delivery has succeeded or used up its attempts. */
  async idle(): Promise<void> {
    let seen: Promise<unknown> | undefined;
    while (seen !== this.queue) {
      seen = this.queue;
      await seen;
    }
  }

  close(): void {
    this.closed = true;
    for (const request of this.inFlight) request.destroy();
  }

  private async deliver(request: OutgoingRequest): Promise<DeliveryOutcome> {
    const attempts: DeliveryAttempt[] = [];
    for (let attempt = 1; attempt <= this.policy.maxAttempts; attempt++) {
      if (attempt > 1) {
        const backoff = this.policy.backoffMs;
        await pause(backoff[Math.min(attempt - 2, backoff.length - 1)] ?? 0);
      }
      const startedAt = this.now();
      const result = await this.post(request);
      attempts.push({
        at: new Date(startedAt),
        durationMs: Math.max(0, this.now() - startedAt),
        ...result,
      });
      if (isSuccess(result.status) || this.closed) break;
    }
    const status = attempts.at(-1)?.status ?? 0;
    return { attempts, status, delivered: attempts.some((item) => isSuccess(item.status)) };
  }

  private post(
    request: OutgoingRequest,
  ): Promise<{ status: number; responseBody?: string; error?: string }> {
    if (this.closed) return Promise.resolve({ status: 0, error: "emulator closed" });
    const { timeoutMs } = this.policy;
    return new Promise((resolve) => {
      const target = new URL(request.url);
      const send = target.protocol === "https:" ? httpsRequest : httpRequest;
      const outgoing = send(target, {
        method: "POST",
        agent: false,
        headers: { ...request.headers, "content-length": String(Buffer.byteLength(request.body)) },
        timeout: timeoutMs,
      });
      this.inFlight.add(outgoing);
      const finish = (result: { status: number; responseBody?: string; error?: string }) => {
        this.inFlight.delete(outgoing);
        resolve(result);
      };
      outgoing.on("timeout", () => outgoing.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      outgoing.on("error", (error) => finish({ status: 0, error: error.message }));
      outgoing.on("response", (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (error) => finish({ status: 0, error: error.message }));
        response.on("end", () =>
          finish({
            status: response.statusCode ?? 0,
            responseBody: Buffer.concat(chunks).toString("utf8").slice(0, 10_000),
          }),
        );
      });
      outgoing.end(request.body);
    });
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}
