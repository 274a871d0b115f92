import { z } from "zod";
import { ok, type Result } from "../../../core/result.ts";
import {
  alertList,
  alertStatus,
  fingerprint,
  optionalLink,
  optionalTextMap,
  optionalTimestamp,
  parseWith,
  textMap,
  batchFromGroupNotification,
} from "./common.ts";
import type { AlertBatch } from "./types.ts";

/**
 * Grafana alerting's webhook contact point (unified alerting, payload
 * version "1"): Alertmanager's shape plus orgId, title, state, message and,
 * on each alert, silenceURL, dashboardURL, panelURL, imageURL, values and
 * valueString. Those extras are not read: they are Grafana's rendering of
 * the same alert, and being strict about fields nobody uses would only turn
 * a Grafana upgrade into lost alerts. Legacy dashboard alerting's payload
 * (ruleName, evalMatches, no version) is refused by the version check.
 */

const grafanaAlert = z.object({
  status: alertStatus,
  labels: textMap,
  annotations: optionalTextMap,
  startsAt: optionalTimestamp,
  endsAt: optionalTimestamp,
  generatorURL: optionalLink,
  fingerprint,
});

const grafanaMessage = z.object({
  version: z.literal("1", {
    message: 'expected "1", the version of the Grafana alerting webhook payload (Grafana 8 or later, unified alerting)',
  }),
  groupKey: z.string().min(1),
  status: alertStatus,
  receiver: z.string().nullish(),
  orgId: z.number().int().nullish(),
  groupLabels: optionalTextMap,
  commonLabels: optionalTextMap,
  commonAnnotations: optionalTextMap,
  externalURL: optionalLink,
  truncatedAlerts: z.number().int().min(0).nullish(),
  alerts: alertList(grafanaAlert),
});

export function parseGrafanaWebhook(body: unknown): Result<AlertBatch> {
  const parsed = parseWith(grafanaMessage, body);
  if (!parsed.ok) return parsed;
  return ok(batchFromGroupNotification("grafana", parsed.value));
}
