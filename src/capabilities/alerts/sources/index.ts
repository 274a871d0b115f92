import type { Result } from "../../../core/result.ts";
import { parseAlertmanagerWebhook } from "./alertmanager.ts";
import { parseGenericWebhook } from "./generic.ts";
import { parseGrafanaWebhook } from "./grafana.ts";
import type { AlertBatch, AlertSource } from "./types.ts";

export type { AlertBatch, AlertSource, AlertStatus, NormalizedAlert } from "./types.ts";
export { alertSources } from "./types.ts";
export { maxAlertsPerBatch, maxTextBytes, maxTitleLength } from "./common.ts";
export { parseAlertmanagerWebhook, parseGenericWebhook, parseGrafanaWebhook };

/**
 * Each source's parser: the JSON body (already parsed, so `unknown`) in, one
 * normalized batch or a message naming what was wrong out. A failure is the
 * sender's mistake, for a 400 answer; none of them throws.
 */
export const alertSourceParsers: Record<AlertSource, (body: unknown) => Result<AlertBatch>> = {
  alertmanager: parseAlertmanagerWebhook,
  grafana: parseGrafanaWebhook,
  generic: parseGenericWebhook,
};

export function parseAlertBatch(source: AlertSource, body: unknown): Result<AlertBatch> {
  return alertSourceParsers[source](body);
}
