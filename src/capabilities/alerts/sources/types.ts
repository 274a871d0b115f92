/**
 * What every alert source is normalized to before the intake pipeline
 * (grouping, routing, declaring) sees it. The parsers in this folder are
 * the only code that knows a sender's own field names.
 */
export type AlertSource = "alertmanager" | "grafana" | "generic";

export const alertSources: readonly AlertSource[] = ["alertmanager", "grafana", "generic"];

export type AlertStatus = "firing" | "resolved";

export interface NormalizedAlert {
  /** Alertmanager's or Grafana's fingerprint; generic: the one given, or a stable hash of the sorted labels. */
  fingerprint: string;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date | null;
  /** Null while firing: the senders' "0001-01-01T00:00:00Z" (Go's zero time) means "no end yet". */
  endsAt: Date | null;
  /** An http(s) link back to the rule or query that produced the alert. */
  generatorUrl: string | null;
}

export interface AlertBatch {
  source: AlertSource;
  /** What groups the alerts into one incident or triage message: Alertmanager's groupKey, Grafana's groupKey, generic's group_key or else a stable hash of groupLabels. */
  groupKey: string;
  status: AlertStatus;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalUrl: string | null;
  alerts: NormalizedAlert[];
  /** A one-line title for the group, from commonAnnotations.summary, else alertname + group labels; plain text, ≤ 150 chars. */
  title: string;
}
