import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The bot's one HTTP server: health, readiness, and (in HTTP mode) Slack's
 * /slack/events, handed to Bolt's receiver. Later capabilities add routes
 * (status page, GitHub webhook) through `routes`.
 */

export type RouteHandler = (
  request: IncomingMessage,
  response: ServerResponse,
) => void | Promise<void>;

export interface HttpRoutes {
  [methodAndPath: string]: RouteHandler;
}

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
  fallback?: RequestListener;
}): Promise<RunningServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const handler = options.routes[`${request.method} ${path}`];
    if (handler) {
      Promise.resolve(handler(request, response)).catch(() => {
        if (!response.headersSent) sendJson(response, 500, { error: "internal error" });
      });
      return;
    }
    if (options.fallback) {
      options.fallback(request, response);
      return;
    }
    sendJson(response, 404, { error: "not found" });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
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
