import type { DomainEvents } from "../../core/events.ts";
import type { IncidentWithRoles } from "./record.ts";
import type { ReminderEffect } from "./lifecycle.ts";
import type { IncidentStatus } from "./rules.ts";

/**
 * What happens to an incident, as the capabilities hear it. The incidents
 * capability publishes the lifecycle events; paging publishes role
 * assignments. (Action item changes stay inside follow-ups, whose App Home
 * is the only one to show them, so they are a call there, not an event.)
 * Each is published
 * inside the transaction that makes the change (see core/events.ts), and
 * carries the incident as it is after the change.
 *
 * Who listens (docs/ARCHITECTURE.md has the picture):
 *  - paging: activated, severity_changed (page the roles the severity needs);
 *  - checklists: activated;
 *  - reminders: activated, status_changed, severity_changed;
 *  - notices: activated (approval deadline), resolved (the "resolved" draft);
 *  - follow-ups: resolved (postmortem); App Homes after a commit with any
 *    of `incidentChanges`;
 *  - status page: after a commit with any of `incidentChanges`;
 *  - incidents: role_assigned (refresh the topic, intro and announcement).
 */
export type IncidentEvent =
  | { type: "incident.declared"; incident: IncidentWithRoles; actorId: string; at: Date }
  | { type: "incident.activated"; incident: IncidentWithRoles; at: Date }
  | {
      type: "incident.status_changed";
      incident: IncidentWithRoles;
      from: IncidentStatus;
      to: IncidentStatus;
      /** What the lifecycle says becomes of the update-reminder clock. */
      reminder: ReminderEffect;
      actorId: string;
      at: Date;
    }
  | {
      type: "incident.severity_changed";
      incident: IncidentWithRoles;
      from: string;
      to: string;
      actorId: string;
      at: Date;
    }
  | { type: "incident.resolved"; incident: IncidentWithRoles; actorId: string; at: Date }
  | { type: "incident.reopened"; incident: IncidentWithRoles; actorId: string; at: Date }
  | {
      type: "incident.role_assigned";
      incident: IncidentWithRoles;
      role: string;
      userId: string;
      /** Null when the person took the role by acknowledging a page. */
      assignedBy: string | null;
      at: Date;
    };

type IncidentEventType = IncidentEvent["type"];

/** Every event type that changes what an incident looks like from outside. */
export const incidentChanges = [
  "incident.activated",
  "incident.status_changed",
  "incident.severity_changed",
  "incident.resolved",
  "incident.reopened",
  "incident.role_assigned",
] as const satisfies readonly IncidentEventType[];

export type IncidentEvents = DomainEvents<IncidentEvent>;
