import { connect, type Socket } from "node:net";
import { summarize } from "./support.ts";

/**
 * A lean closed-loop HTTP/1.1 load generator for large responses. autocannon
 * appends every response body to a JavaScript string (`body += chunk`), which
 * costs more CPU than serving it: on 2 cores it saturates at about 900
 * responses/s of 40 KB while the server sits at 20 % CPU. This client only
 * parses the status line and Content-Length and skips the body bytes, so
 * with large bodies it measures the server and not itself.
 *
 * Each connection keeps one request in flight (no pipelining) and sends the
 * next as soon as the previous response is complete.
 */

export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: ReturnType<typeof summarize>;
  non2xx: number;
  errors: number;
  /** Responses still missing 5 s after the end (their connections are closed). */
  timeouts: number;
  bytesPerResponse: number;
}

export async function runHttpLoad(options: {
  port: number;
  path: string;
  headers?: Record<string, string>;
  connections: number;
  durationSeconds: number;
}): Promise<LoadResult> {
  const headerLines = Object.entries(options.headers ?? {})
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  const request = Buffer.from(
    `GET ${options.path} HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\n${headerLines}\r\n`,
  );
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let bodyBytes = 0;
  let timeouts = 0;
  const started = performance.now();
  const deadline = started + options.durationSeconds * 1000;

  const runConnection = () =>
    new Promise<void>((resolve) => {
      const socket: Socket = connect({ port: options.port, host: "127.0.0.1", noDelay: true });
      let head: Buffer = Buffer.alloc(0);
      let remaining = -1;
      let sentAt = 0;
      const send = () => {
        sentAt = performance.now();
        head = Buffer.alloc(0);
        remaining = -1;
        socket.write(request);
      };
      const complete = () => {
        latencies.push(performance.now() - sentAt);
        if (performance.now() < deadline) send();
        else socket.end();
      };
      socket.on("connect", send);
      socket.on("data", (chunk: Buffer) => {
        if (remaining < 0) {
          head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
          const end = head.indexOf("\r\n\r\n");
          if (end < 0) return;
          const text = head.subarray(0, end).toString("latin1");
          const status = Number(text.slice(9, 12));
          if (status < 200 || status > 299) non2xx += 1;
          const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
          remaining = length ? Number(length[1]) : 0;
          bodyBytes += remaining;
          remaining -= head.length - (end + 4);
        } else {
          remaining -= chunk.length;
        }
        if (remaining <= 0) complete();
      });
      socket.on("error", () => {
        errors += 1;
      });
      const giveUp = setTimeout(
        () => {
          timeouts += 1;
          socket.destroy();
        },
        deadline - performance.now() + 5_000,
      );
      socket.on("close", () => {
        clearTimeout(giveUp);
        resolve();
      });
    });

  await Promise.all(Array.from({ length: options.connections }, runConnection));
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: latencies.length,
    seconds,
    requestsPerSecond: Math.round(latencies.length / seconds),
    latencyMs: summarize(latencies),
    non2xx,
    errors,
    timeouts,
    bytesPerResponse: Math.round(bodyBytes / Math.max(1, latencies.length)),
  };
}
