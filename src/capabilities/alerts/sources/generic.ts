import { z } from "zod";
import { err, ok, type Result } from "../../../core/result.ts";
import {
  alertList,
  alertStatus,
  batchStatus,
  fingerprint,
  hashLabels,
  httpUrlOrNull,
  maxTextBytes,
  optionalTextMap,
  optionalTimestamp,
  parseWith,
  sharedEntries,
  textMap,
  titleFor,
} from "./common.ts";
import type { AlertBatch } from "./types.ts";

/**
 * The generic webhook: a small JSON shape of our own for senders that are
 * neither Alertmanager nor Grafana (a cron job, a custom probe). Documented
 * in docs/ALERTS.md, "Generic webhook". One alert:
 *
 *   { "status": "firing", "labels": { "alertname": "…" }, "group_key"?, "title"?,
 *     "annotations"?, "fingerprint"?, "starts_at"?, "ends_at"?, "url"? }
 *
 * or several: { "group_key"?, "title"?, "alerts": [ { "status", "labels", … } ] }.
 *
 * Grouping without group_key follows Alertmanager's default (group by
 * alertname): the group is the alertname the alerts share, else every label
 * they share. Alerts that share no label at all need a group_key, since
 * grouping them on nothing would merge unrelated alerts into one incident.
 */

const genericAlertFields = {
  status: alertStatus,
  labels: textMap.refine((labels) => Object.keys(labels).length > 0, {
    message: 'expected at least one label, such as { "alertname": "DiskFull" }',
  }),
  annotations: optionalTextMap,
  fingerprint: fingerprint.optional(),
  starts_at: optionalTimestamp,
  ends_at: optionalTimestamp,
  // Our own format, so a bad link is refused (it tells the integrator at once) rather than dropped.
  url: z
    .string()
    .refine((url) => httpUrlOrNull(url) !== null, { message: "expected an http or https URL" })
    .optional(),
};

const groupFields = {
  group_key: z
    .string()
    .min(1)
    .max(maxTextBytes, { message: `expected at most ${maxTextBytes} characters` })
    .optional(),
  title: z.string().max(maxTextBytes, { message: `expected at most ${maxTextBytes} characters` }).optional(),
};

const genericAlert = z.object(genericAlertFields);
const singleAlert = z.object({ ...groupFields, ...genericAlertFields });
const alertGroup = z.object({ ...groupFields, alerts: alertList(genericAlert) });

type GenericAlert = z.infer<typeof genericAlert>;

export function parseGenericWebhook(body: unknown): Result<AlertBatch> {
  const manyAlerts = typeof body === "object" && body !== null && !Array.isArray(body) && "alerts" in body;
  let group: { group_key?: string | undefined; title?: string | undefined; alerts: GenericAlert[] };
  if (manyAlerts) {
    const parsed = parseWith(alertGroup, body);
    if (!parsed.ok) return parsed;
    group = parsed.value;
  } else {
    const parsed = parseWith(singleAlert, body);
    if (!parsed.ok) return parsed;
    const { group_key, title, ...alert } = parsed.value;
    group = { group_key, title, alerts: [alert] };
  }

  const alerts = group.alerts.map((alert) => ({
    fingerprint: alert.fingerprint ?? hashLabels(alert.labels),
    status: alert.status,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: alert.starts_at,
    endsAt: alert.ends_at,
    generatorUrl: alert.url === undefined ? null : httpUrlOrNull(alert.url),
  }));
  const commonLabels = sharedEntries(alerts.map((alert) => alert.labels));
  const commonAnnotations = sharedEntries(alerts.map((alert) => alert.annotations));
  const groupLabels =
    commonLabels.alertname !== undefined ? { alertname: commonLabels.alertname } : commonLabels;
  if (group.group_key === undefined && Object.keys(groupLabels).length === 0) {
    return err(
      "group_key: required when the alerts share no label; send a group_key, or send alerts that share an alertname",
    );
  }
  return ok({
    source: "generic",
    groupKey: group.group_key ?? hashLabels(groupLabels),
    status: batchStatus(alerts),
    groupLabels,
    commonLabels,
    commonAnnotations,
    externalUrl: null,
    alerts,
    title: titleFor({
      source: "generic",
      explicitTitle: group.title,
      commonAnnotations,
      groupLabels,
      commonLabels,
    }),
  });
}
