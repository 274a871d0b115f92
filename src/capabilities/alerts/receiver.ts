import type { IncomingMessage, ServerResponse } from "node:http";
import type { AlertSourceSecrets } from "../../core/config/env.ts";
import type { Playbook } from "../../core/config/playbook.ts";
import type { Clock } from "../../core/clock.ts";
import { type HttpRoutes, readBody, sendJson } from "../../core/http/server.ts";
import type { Logger } from "../../core/logging.ts";
import type { IncidentEvents } from "../../domain/incidents/events.ts";
import { authenticateAlertRequest } from "./authentication.ts";
import { takeInBatch } from "./intake.ts";
import { type AlertSource, alertSources, parseAlertBatch } from "./sources/index.ts";

/**
 * `POST /alerts/alertmanager`, `/alerts/grafana` and `/alerts/generic`: the
 * HTTP side of the alert intake. Authentication comes first (nothing is
 * parsed or written for a request without the source's secret), then the
 * body is parsed and checked, then `takeInBatch` records it in one
 * transaction. 202 once it has committed; 4xx with a reason otherwise.
 */

/** Alertmanager sends at most its `max_alerts` (1,000 here is plenty); a larger body is refused unread. */
export const maxAlertBodyBytes = 4 * 1024 * 1024;

export interface AlertReceiverDependencies {
  playbook: Playbook;
  clock: Clock;
  log: Logger;
  events: IncidentEvents;
  secrets: AlertSourceSecrets;
}

export function alertRoutes(deps: AlertReceiverDependencies): HttpRoutes {
  const routes: HttpRoutes = {};
  for (const source of alertSources) {
    routes[`POST /alerts/${source}`] = (request, response) => receive(deps, source, request, response);
  }
  return routes;
}

async function receive(
  deps: AlertReceiverDependencies,
  source: AlertSource,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const body = await readBody(request, maxAlertBodyBytes);
  const authenticated = authenticateAlertRequest(source, request.headers, body, deps.secrets);
  if (authenticated !== "ok") {
    deps.log.warn({ source, status: authenticated.status }, "alert webhook refused");
    sendJson(response, authenticated.status, { error: authenticated.message });
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    sendJson(response, 400, { error: "body is not JSON" });
    return;
  }
  const parsed = parseAlertBatch(source, json);
  if (!parsed.ok) {
    sendJson(response, 400, { error: parsed.error });
    return;
  }
  const now = deps.clock.now();
  const result = await deps.events.transaction((tx) => takeInBatch(tx, deps.playbook, parsed.value, now));
  deps.log.info(
    { source, group: result.groupId, created: result.created, firing: result.firingAlerts, alerts: parsed.value.alerts.length },
    "alert notification taken in",
  );
  sendJson(response, 202, { status: "accepted", group: result.groupId, created: result.created, firing: result.firingAlerts });
}
