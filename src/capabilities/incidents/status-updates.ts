import type { Playbook } from "../../core/config/playbook.ts";
import { err, ok, type Result } from "../../core/result.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { scheduleTimer } from "../../core/scheduler/timers.ts";
import type { Transaction } from "../../core/scheduler/types.ts";
import type { Clock } from "../../core/clock.ts";
import type { SlackMessage } from "../../adapters/slack/gateway.ts";
import { enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import type { IncidentEvents } from "../../domain/incidents/events.ts";
import { decideTransition } from "../../domain/incidents/lifecycle.ts";
import type { Incident, IncidentRepository, IncidentWithRoles } from "../../domain/incidents/repository.ts";
import { type IncidentStatus, incidentKey } from "../../domain/incidents/rules.ts";
import { appendTimeline } from "../../domain/incidents/timeline.ts";
import { completeDeclarationKey, completeDeclarationKind } from "../../domain/incidents/declaration.ts";
import { completeDeclarationDelayMs } from "./declare.ts";
import {
  renderReopened,
  renderResolved,
  renderSeverityChanged,
  renderStatusUpdate,
} from "./views.ts";

/**
 * Status updates, resolve, reopen and severity changes. Each one is a single
 * transaction: the incident row, its timeline event, its reminder timer and
 * the Slack posts it causes (through the outbox) commit together or not at
 * all. Delivery to Slack follows within a tick, and survives Slack outages
 * and restarts.
 *
 * What other capabilities do about a change (page, start checklists, retime
 * the update reminder, draft the customer notice) they do by subscribing to
 * the event published here, inside the same transaction.
 */

export const refreshSurfacesKind = "incident.refresh";

export interface StatusDependencies {
  prisma: PrismaClient;
  incidents: IncidentRepository;
  playbook: Playbook;
  clock: Clock;
  /** Publishes each change inside its transaction; after the commit it wakes the timer engine. */
  events: IncidentEvents;
}

export type StatusChange =
  | { type: "update"; status: IncidentStatus; message: string; isPublic: boolean }
  | { type: "resolve"; summary: string }
  | { type: "reopen" };

/**
 * The last step of a declaration: the incident becomes active and its update
 * reminder starts counting from the declaration.
 */
export async function activateIncident(
  deps: StatusDependencies,
  declared: Incident,
): Promise<void> {
  const now = deps.clock.now();
  const incident = (await deps.incidents.findById(declared.id))!;
  await deps.events.transaction(async (tx) => {
    await tx.incident.update({ where: { id: incident.id }, data: { phase: "active" } });
    // Steps 2 and 3 of the flowchart (paging whom the severity needs, each
    // team's checklist) and the update reminder follow from this event.
    await deps.events.publish(tx, { type: "incident.activated", incident: { ...incident, phase: "active" }, at: now });
  });
}

export async function scheduleDeclarationRetry(
  deps: StatusDependencies,
  incident: Incident,
): Promise<void> {
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    await scheduleTimer(
      tx,
      {
        kind: completeDeclarationKind,
        key: completeDeclarationKey(incident.id),
        dueAt: new Date(now.getTime() + completeDeclarationDelayMs),
        payload: { incidentId: incident.id },
      },
      now,
    );
  });
}

export async function changeStatus(
  deps: StatusDependencies,
  incident: IncidentWithRoles,
  change: StatusChange,
  actorId: string,
): Promise<Result<IncidentWithRoles>> {
  const decision = decideTransition(
    incident,
    change.type === "update" ? { type: "update", status: change.status } : { type: change.type },
  );
  if (!decision.ok) return decision;
  const now = deps.clock.now();
  const summary = change.type === "resolve" ? change.summary : undefined;

  await deps.events.transaction(async (tx) => {
    await tx.incident.update({
      where: { id: incident.id },
      data: {
        status: decision.status,
        lastUpdateAt: now,
        remindersSinceUpdate: 0,
        ...(decision.resolvedNow ? { resolvedAt: now, resolutionSummary: summary || null } : {}),
        ...(change.type === "reopen" ? { resolvedAt: null } : {}),
      },
    });
    const event = await appendTimeline(tx, {
      incidentId: incident.id,
      kind: decision.timeline,
      actorId,
      at: now,
      data: {
        from: incident.status,
        to: decision.status,
        ...(change.type === "update" ? { message: change.message, public: change.isPublic } : {}),
        ...(summary !== undefined ? { summary } : {}),
      },
    });
    const updated: IncidentWithRoles = {
      ...incident,
      status: decision.status,
      lastUpdateAt: now,
      remindersSinceUpdate: 0,
      ...(decision.resolvedNow ? { resolvedAt: now, resolutionSummary: summary || null } : {}),
      ...(change.type === "reopen" ? { resolvedAt: null } : {}),
    };
    await deps.events.publish(tx, {
      type: "incident.status_changed",
      incident: updated,
      from: incident.status as IncidentStatus,
      to: decision.status,
      reminder: decision.reminder,
      actorId,
      at: now,
    });

    const message =
      change.type === "update"
        ? renderStatusUpdate(updated, {
            status: change.status,
            message: change.message,
            authorId: actorId,
            isPublic: change.isPublic,
          })
        : change.type === "resolve"
          ? renderResolved(updated, change.summary, actorId)
          : renderReopened(updated, actorId);
    await announce(tx, incident, `timeline:${event.id}`, message, now);
    await scheduleRefresh(tx, incident.id, now);
    if (decision.resolvedNow) {
      await deps.events.publish(tx, { type: "incident.resolved", incident: updated, actorId, at: now });
    } else if (change.type === "reopen") {
      await deps.events.publish(tx, { type: "incident.reopened", incident: updated, actorId, at: now });
    }
  });
  return ok((await deps.incidents.findById(incident.id))!);
}

export async function changeSeverity(
  deps: StatusDependencies,
  incident: IncidentWithRoles,
  severity: string,
  actorId: string,
): Promise<Result<IncidentWithRoles>> {
  if (incident.severity === severity) {
    return err(`${incidentKey(incident.number)} is already ${severity}.`);
  }
  const now = deps.clock.now();
  await deps.events.transaction(async (tx) => {
    await tx.incident.update({ where: { id: incident.id }, data: { severity } });
    const event = await appendTimeline(tx, {
      incidentId: incident.id,
      kind: "severity_changed",
      actorId,
      at: now,
      data: { from: incident.severity, to: severity },
    });
    const updated = { ...incident, severity };
    // Paging (the roles the new severity adds) and the reminder's new cadence follow from this event.
    await deps.events.publish(tx, {
      type: "incident.severity_changed",
      incident: updated,
      from: incident.severity,
      to: severity,
      actorId,
      at: now,
    });
    await announce(
      tx,
      incident,
      `timeline:${event.id}`,
      renderSeverityChanged(updated, incident.severity, actorId),
      now,
    );
    await scheduleRefresh(tx, incident.id, now);
  });
  return ok((await deps.incidents.findById(incident.id))!);
}

/** The incident channel gets the message; the announcement gets it in its thread. */
async function announce(
  tx: Transaction,
  incident: IncidentWithRoles,
  keyPrefix: string,
  message: SlackMessage,
  now: Date,
): Promise<void> {
  if (incident.channelId) {
    await enqueueSlackPost(
      tx,
      {
        key: `${keyPrefix}:channel`,
        channelId: incident.channelId,
        message,
        incidentId: incident.id,
      },
      now,
    );
  }
  if (incident.announcementChannelId && incident.announcementTs) {
    await enqueueSlackPost(
      tx,
      {
        key: `${keyPrefix}:announcement-thread`,
        channelId: incident.announcementChannelId,
        threadTs: incident.announcementTs,
        message,
        incidentId: incident.id,
      },
      now,
    );
  }
}

/**
 * The topic, intro and announcement show the current state. Refreshing them
 * renders whatever the incident is when the timer runs, so several quick
 * changes coalesce into one set of calls and can never land out of order.
 */
export async function scheduleRefresh(tx: Transaction, incidentId: string, now: Date): Promise<void> {
  await scheduleTimer(
    tx,
    {
      kind: refreshSurfacesKind,
      key: `refresh:${incidentId}`,
      dueAt: now,
      payload: { incidentId },
    },
    now,
  );
}
