import { createHash, timingSafeEqual } from "node:crypto";
import { type HttpRoutes, sendJson } from "../http/server.ts";
import type { Metrics } from "./metrics.ts";

/**
 * GET /metrics, Prometheus's text format. Open by default, like /healthz: it
 * shows counts only (incidents by severity and status, queue depths, call
 * counts), never an incident's title, channel or people. A deployment that
 * exposes the bot's port beyond its cluster can set METRICS_TOKEN: the route
 * then wants `Authorization: Bearer <token>` (Prometheus's `authorization`
 * scrape setting). See docs/METRICS.md and SECURITY.md.
 */
export function metricsRoutes(metrics: Metrics, options: { token?: string | undefined } = {}): HttpRoutes {
  const expected = options.token ? digest(options.token) : undefined;
  return {
    "GET /metrics": async (request, response) => {
      if (expected) {
        const header = request.headers.authorization ?? "";
        const given = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
        if (!timingSafeEqual(digest(given), expected)) {
          response.setHeader("www-authenticate", 'Bearer realm="metrics"');
          sendJson(response, 401, { error: "a bearer token is required (METRICS_TOKEN)" });
          return;
        }
      }
      const { contentType, body } = await metrics.render();
      response.writeHead(200, {
        "content-type": contentType,
        "content-length": Buffer.byteLength(body),
        "cache-control": "no-store",
      });
      response.end(body);
    },
  };
}

// Equal-length inputs for timingSafeEqual, whatever the lengths of the token and the header.
function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
