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
 * Prometheus Alertmanager's webhook (`webhook_configs`), payload version 4:
 * the `Message` of Alertmanager's notify/webhook package, which embeds the
 * template `Data` (receiver, status, alerts, groupLabels, commonLabels,
 * commonAnnotations, externalURL) and adds version, groupKey and
 * truncatedAlerts. Unknown fields are ignored, so a newer Alertmanager that
 * adds one still gets through; a different version is refused, because its
 * fields may mean something else.
 */

const alertmanagerAlert = z.object({
  status: alertStatus,
  labels: textMap,
  annotations: optionalTextMap,
  startsAt: optionalTimestamp,
  endsAt: optionalTimestamp,
  generatorURL: optionalLink,
  fingerprint,
});

const alertmanagerMessage = z.object({
  version: z.literal("4", {
    message: 'expected "4", the version of the Alertmanager webhook payload this endpoint reads',
  }),
  groupKey: z.string().min(1),
  status: alertStatus,
  receiver: z.string().nullish(),
  groupLabels: optionalTextMap,
  commonLabels: optionalTextMap,
  commonAnnotations: optionalTextMap,
  externalURL: optionalLink,
  truncatedAlerts: z.number().int().min(0).nullish(),
  alerts: alertList(alertmanagerAlert),
});

export function parseAlertmanagerWebhook(body: unknown): Result<AlertBatch> {
  const parsed = parseWith(alertmanagerMessage, body);
  if (!parsed.ok) return parsed;
  return ok(batchFromGroupNotification("alertmanager", parsed.value));
}
