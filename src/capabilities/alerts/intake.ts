import type { Playbook } from "../../core/config/playbook.ts";
import { scheduleTimerOnce, scheduleTimerUnlessPending } from "../../core/scheduler/timers.ts";
import type { Transaction } from "../../core/scheduler/types.ts";
import { enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import { appendTimeline } from "../../domain/incidents/timeline.ts";
import type { AlertBatch } from "./sources/index.ts";
import { routeFor } from "./routing.ts";
import { renderMonitorNote } from "./views.ts";

/**
 * Taking in one notification from a monitor, in one transaction:
 *
 *  1. the group it belongs to is found or created: at most one open group per
 *     source and group key, by a partial unique index, so two replicas given
 *     the same notification (or two notifications of one group) at once make
 *     one group, and the second waits on the first's row lock;
 *  2. each alert is upserted by fingerprint, so a repeat counts once;
 *  3. the group's counters and status are updated;
 *  4. a new group gets its `alerts.open_group` timer (declare, attach or
 *     triage, on a durable timer: a crash after the commit loses nothing); a
 *     group already on an incident notes on its timeline and channel when the
 *     monitor says it resolved or fires again; a triage message is refreshed.
 *
 * The webhook is answered once this commits: Alertmanager and Grafana retry
 * a notification that failed, and a retry only updates the same rows.
 */

export const openGroupKind = "alerts.open_group";
export const refreshTriageKind = "alerts.refresh_triage";

export function openGroupKey(groupId: string): string {
  return `alert-group:${groupId}`;
}

export function refreshTriageKey(groupId: string): string {
  return `alert-triage-refresh:${groupId}`;
}

/** The triage message's outbox key: its ts is read from `slack_posts` once it is sent. */
export function triagePostKey(groupId: string): string {
  return `alert-triage:${groupId}`;
}

/** Refreshes of a triage message wait this long, so a burst of notifications costs one chat.update. */
export const triageRefreshDebounceMs = 2_000;

export interface AlertGroupRow {
  id: string;
  source: string;
  group_key: string;
  state: string;
  status: string;
  incident_id: string | null;
  title: string;
  notifications: number;
  firing_alerts: number;
}

export interface IntakeResult {
  groupId: string;
  created: boolean;
  firingAlerts: number;
  state: string;
}

export async function takeInBatch(
  tx: Transaction,
  playbook: Playbook,
  batch: AlertBatch,
  now: Date,
): Promise<IntakeResult> {
  const labels = Object.keys(batch.commonLabels).length > 0 ? batch.commonLabels : (batch.alerts[0]?.labels ?? {});
  const routed = routeFor(playbook, labels);
  const inserted = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO alert_groups (id, source, group_key, route, action, severity, team, components, is_private,
      title, labels, external_url, status, received_at, last_received_at)
    VALUES (gen_random_uuid(), ${batch.source}, ${batch.groupKey}, ${routed.route}, ${routed.action},
      ${routed.severity}, ${routed.team ?? null}, ${routed.components}::text[], ${routed.isPrivate},
      ${batch.title}, ${JSON.stringify(labels)}::jsonb, ${batch.externalUrl}, ${batch.status}, ${now}, ${now})
    ON CONFLICT (source, group_key) WHERE closed_at IS NULL DO NOTHING
    RETURNING id`;
  const [group] = await tx.$queryRaw<AlertGroupRow[]>`
    SELECT id, source, group_key, state, status, incident_id, title, notifications, firing_alerts
    FROM alert_groups
    WHERE source = ${batch.source} AND group_key = ${batch.groupKey} AND closed_at IS NULL
    FOR UPDATE`;
  if (!group) throw new Error("alert group vanished inside its own transaction");
  const created = inserted.length > 0;

  if (batch.alerts.length > 0) {
    const rows = batch.alerts.map((alert) => ({
      fingerprint: alert.fingerprint,
      status: alert.status,
      labels: alert.labels,
      starts_at: alert.startsAt?.toISOString() ?? null,
      ends_at: alert.endsAt?.toISOString() ?? null,
    }));
    // One statement for the whole notification (up to 1,000 alerts), not one per alert.
    await tx.$executeRaw`
      INSERT INTO alert_instances (group_id, fingerprint, status, labels, starts_at, ends_at, updated_at)
      SELECT ${group.id}::uuid, fingerprint, status, labels, starts_at, ends_at, ${now}
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS incoming(fingerprint text, status text, labels jsonb, starts_at timestamptz, ends_at timestamptz)
      ON CONFLICT (group_id, fingerprint) DO UPDATE SET
        status = EXCLUDED.status, labels = EXCLUDED.labels, starts_at = EXCLUDED.starts_at,
        ends_at = EXCLUDED.ends_at, updated_at = EXCLUDED.updated_at`;
  }
  const [{ firing }] = (await tx.$queryRaw<{ firing: number }[]>`
    SELECT count(*)::int AS firing FROM alert_instances WHERE group_id = ${group.id}::uuid AND status = 'firing'`) as [
    { firing: number },
  ];
  const status = firing > 0 ? "firing" : "resolved";
  await tx.$executeRaw`
    UPDATE alert_groups SET
      notifications = notifications + 1,
      firing_alerts = ${firing},
      status = ${status},
      last_received_at = ${now},
      monitor_resolved_at = CASE WHEN ${status} = 'resolved' THEN ${now}::timestamptz ELSE NULL END,
      -- A dismissed group closes once the monitor says it is over.
      closed_at = CASE WHEN state = 'dismissed' AND ${status} = 'resolved' THEN ${now}::timestamptz ELSE closed_at END
    WHERE id = ${group.id}::uuid`;

  if (created) {
    await scheduleTimerOnce(tx, { kind: openGroupKind, key: openGroupKey(group.id), dueAt: now, payload: { groupId: group.id } }, now);
  } else if (group.incident_id && (group.state === "declared" || group.state === "attached") && status !== group.status) {
    await noteOnIncident(tx, { ...group, incident_id: group.incident_id }, status, firing, now);
  } else if (group.state === "triage" || group.state === "snoozed") {
    await scheduleTriageRefresh(tx, group.id, now);
  }
  return { groupId: group.id, created, firingAlerts: firing, state: group.state };
}

export async function scheduleTriageRefresh(tx: Transaction, groupId: string, now: Date, delayMs = triageRefreshDebounceMs): Promise<void> {
  await scheduleTimerUnlessPending(
    tx,
    { kind: refreshTriageKind, key: refreshTriageKey(groupId), dueAt: new Date(now.getTime() + delayMs), payload: { groupId } },
    now,
  );
}

/** "Resolved by the monitor" or "firing again", on the incident's timeline and in its channel. */
async function noteOnIncident(
  tx: Transaction,
  group: AlertGroupRow & { incident_id: string },
  status: string,
  firing: number,
  now: Date,
): Promise<void> {
  const kind = status === "resolved" ? "alert_resolved" : "alert_firing";
  const incident = await tx.incident.findUnique({ where: { id: group.incident_id }, select: { channelId: true } });
  if (!incident) return;
  await appendTimeline(tx, {
    incidentId: group.incident_id,
    kind,
    actorId: null,
    at: now,
    data: { source: group.source, title: group.title, alerts: firing, groupId: group.id },
  });
  if (!incident.channelId) return;
  await enqueueSlackPost(
    tx,
    {
      key: `alert-note:${group.id}:${group.notifications + 1}`,
      channelId: incident.channelId,
      message: renderMonitorNote({ source: group.source, title: group.title, status, firing }),
      incidentId: group.incident_id,
    },
    now,
  );
}
