import type { HttpRoutes } from "./server.ts";
import { sendJson } from "./server.ts";

export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

/** GET /healthz: the process is up. GET /readyz: every dependency answers. */
export function healthRoutes(checks: ReadinessCheck[]): HttpRoutes {
  return {
    "GET /healthz": (_request, response) => sendJson(response, 200, { status: "ok" }),
    "GET /readyz": async (_request, response) => {
      const results = await Promise.all(
        checks.map(async ({ name, check }) => {
          try {
            return { name, ...(await check()) };
          } catch (error) {
            return { name, ok: false, detail: (error as Error).message };
          }
        }),
      );
      const ready = results.every((result) => result.ok);
      sendJson(response, ready ? 200 : 503, {
        status: ready ? "ready" : "not ready",
        checks: results,
      });
    },
  };
}
