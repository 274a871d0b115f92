import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "../logging.ts";

/**
 * The bot's one HTTP server: health, readiness, the status page, the GitHub
 * webhook and (in HTTP mode) Slack's POST /slack/events, each a route. The
 * port is open to whoever can reach it, so nothing that arrives may stop the
 * process: an unknown path is a 404, a wrong method a 405, a handler that
 * throws a logged 500, a malformed request a 4xx written to the socket.
 */

export type RouteHandler = (
  request: IncomingMessage,
  response: ServerResponse,
) => void | Promise<void>;

export interface HttpRoutes {
  [methodAndPath: string]: RouteHandler;
}

export interface HttpLimits {
  /** Time allowed for a request's headers, from the connection's first byte. */
  headersTimeoutMs: number;
  /** Time allowed for a whole request, headers and body. */
  requestTimeoutMs: number;
  /** Open connections beyond this are closed as soon as they are accepted. */
  maxConnections: number;
  /** Larger bodies get a 413 (announced by Content-Length: before they are read). */
  maxBodyBytes: number;
}

/**
 * Slack and GitHub send a request in one go within milliseconds, so these are
 * generous for them and short for a client that trickles bytes to hold a
 * connection open (Node's defaults hold a slow body for 300 s plus a 30 s
 * check interval). Slack payloads are tens of KB; 1 MiB leaves room.
 */
export const defaultHttpLimits: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnections: 500,
  maxBodyBytes: 1024 * 1024,
};

// How often Node checks the two timeouts above; its default (30 s) would let
// a slow request outlive its timeout by that much.
const timeoutCheckIntervalMs = 1_000;

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>;
}

export async function startHttpServer(options: {
  port: number;
  host?: string;
  routes: HttpRoutes;
  log: Logger;
  limits?: Partial<HttpLimits>;
  /** Hears of every answered request; `route` is a known path or "other", never the raw URL. */
  observe?: (route: string, method: string, status: number, seconds: number) => void;
}): Promise<RunningServer> {
  const limits: HttpLimits = { ...defaultHttpLimits, ...options.limits };
  const { log } = options;
  const allowedMethods = methodsByPath(options.routes);

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: timeoutCheckIntervalMs,
    },
    (request, response) => {
      const requestId = randomUUID();
      response.setHeader("x-request-id", requestId);
      // A stream 'error' with no listener is an uncaught exception: a write after
      // end() on the response, or a late error on a request whose reader has
      // already detached. Handlers see failures through their own calls; these
      // listeners only keep a stray one from ending the process.
      request.on("error", () => undefined);
      response.on("error", () => undefined);
      const method = request.method ?? "";
      const path = pathOf(request.url);
      if (options.observe) {
        const observe = options.observe;
        const started = process.hrtime.bigint();
        const route = allowedMethods.has(path) ? path : "other";
        response.once("close", () =>
          observe(route, method, response.statusCode, Number(process.hrtime.bigint() - started) / 1e9),
        );
      }
      const handler = options.routes[`${method} ${path}`];
      if (!handler) {
        const allowed = allowedMethods.get(path);
        if (hasBody(request)) response.setHeader("connection", "close");
        if (allowed) {
          response.setHeader("allow", allowed.join(", "));
          sendJson(response, 405, { error: "method not allowed", allowed });
        } else {
          sendJson(response, 404, { error: "not found" });
        }
        drain(request);
        return;
      }
      if (declaredLength(request) > limits.maxBodyBytes) {
        refuseTooLarge(response);
        return;
      }
      const fail = (error: unknown) => {
        // A route that reads with readBody() may leave these two to the server. A body
        // cut off by the client (or by the request timeout) leaves nobody to answer.
        if (error instanceof RequestAbortedError || isAbortedRead(error, request)) {
          log.debug({ requestId, method, path }, "http client went away mid-request");
          return;
        }
        if (error instanceof BodyTooLargeError && !response.headersSent) {
          refuseTooLarge(response);
          return;
        }
        log.error({ err: error, requestId, method, path }, "http request handler failed");
        if (!response.headersSent) {
          response.setHeader("connection", "close");
          sendJson(response, 500, { error: "internal error", requestId });
        } else {
          response.destroy();
        }
      };
      try {
        Promise.resolve(handler(request, response)).catch(fail);
      } catch (error) {
        fail(error);
      }
    },
  );
  server.keepAliveTimeout = 5_000;
  server.maxConnections = limits.maxConnections;
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    answerClientError(error, socket);
    log.debug({ code: error.code }, "http client error");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  // After listening, an 'error' (say EMFILE on accept) with no listener would end the process.
  server.on("error", (error) => log.error({ err: error }, "http server error"));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open; busy ones finish first.
        server.closeIdleConnections();
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
  });
  response.end(payload);
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

export class RequestAbortedError extends Error {
  constructor() {
    super("the client closed the connection before the body was complete");
    this.name = "RequestAbortedError";
  }
}

/**
 * Reads a whole body, refusing more than `limit` bytes: the read stops at the
 * limit instead of buffering whatever a client cares to send.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onAbort);
      request.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        request.pause();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onAbort = () => {
      cleanup();
      reject(new RequestAbortedError());
    };
    const onClose = () => {
      if (!request.complete) onAbort();
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onAbort);
    request.on("close", onClose);
  });
}

// A refused streamed body is read and thrown away for at most this long, and at most this much.
const discardAfterRefusalMs = 2_000;
const maxDiscardBytes = 16 * 1024 * 1024;

/**
 * 413, and the connection is closed. A body announced too large by its
 * Content-Length is refused at once, before it is sent. A streamed body
 * found too large while reading is read to its end and thrown away first
 * (bounded in time and size): closing a socket with unread data makes the
 * kernel send a reset, and a client still writing would lose the 413 with it.
 */
export function refuseTooLarge(response: ServerResponse): void {
  const request = response.req;
  const answer = () => {
    if (response.headersSent) return;
    response.setHeader("connection", "close");
    sendJson(response, 413, { error: "payload too large" });
  };
  if (request.complete || declaredLength(request) > 0) {
    answer();
    return;
  }
  let discarded = 0;
  const giveUp = () => {
    answer();
    response.socket?.destroy();
  };
  const cut = setTimeout(giveUp, discardAfterRefusalMs);
  cut.unref();
  request.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > maxDiscardBytes) {
      clearTimeout(cut);
      giveUp();
    }
  });
  request.once("end", () => {
    clearTimeout(cut);
    answer();
  });
  request.once("close", () => clearTimeout(cut));
  request.resume();
}

// What Node's own stream raises when a body is cut off under a reader that is
// not readBody(), e.g. `for await (const chunk of request)`.
function isAbortedRead(error: unknown, request: IncomingMessage): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ECONNRESET" && !request.complete;
}

function declaredLength(request: IncomingMessage): number {
  const header = request.headers["content-length"];
  // Node's parser has already refused a malformed Content-Length.
  return header === undefined ? 0 : Number(header);
}

// The path as sent, never decoded or normalised: routes match exact strings,
// so nothing in a hostile URL can throw here or reach a route it does not name.
function pathOf(url: string | undefined): string {
  const raw = url ?? "";
  const query = raw.indexOf("?");
  return query === -1 ? raw : raw.slice(0, query);
}

function methodsByPath(routes: HttpRoutes): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  for (const key of Object.keys(routes)) {
    const space = key.indexOf(" ");
    const method = key.slice(0, space);
    const path = key.slice(space + 1);
    byPath.set(path, [...(byPath.get(path) ?? []), method]);
  }
  return byPath;
}

function hasBody(request: IncomingMessage): boolean {
  return declaredLength(request) > 0 || request.headers["transfer-encoding"] !== undefined;
}

// An unread body is discarded rather than left in the socket; the answer
// closes such a connection (above), so a client cannot stream forever.
function drain(request: IncomingMessage): void {
  if (!request.readableEnded) request.resume();
}

const clientErrorStatus: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADERS_TIMEOUT: 408,
};

/**
 * A request Node could not parse, or one that ran out of time, has no
 * request or response object: the answer is written to the socket itself,
 * unless part of another answer already went out on it (an extra status line
 * would corrupt that response), in which case the connection is just closed.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === "ECONNRESET" || !socket.writable || socket.bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const status = clientErrorStatus[error.code ?? ""] ?? 400;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  );
}
