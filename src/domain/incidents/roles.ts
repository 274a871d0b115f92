import type { Transaction } from "../../core/scheduler/types.ts";
import type { IncidentEvents } from "./events.ts";
import type { IncidentWithRoles } from "./record.ts";
import { appendTimeline } from "./timeline.ts";

/**
 * The one owner of role assignments after the declaration (which seats the
 * declarer as incident commander with the incident row itself). Whoever
 * takes a role, by acknowledging a page or by `/incident role`, goes through
 * here: the assignment, its timeline entry and the `incident.role_assigned`
 * event commit together.
 */
export async function assignRole(
  tx: Transaction,
  events: IncidentEvents,
  assignment: {
    incident: IncidentWithRoles;
    role: string;
    userId: string;
    /** Null when the person took the role by acknowledging a page. */
    assignedBy: string | null;
    at: Date;
  },
): Promise<void> {
  const { incident, role, userId, assignedBy, at } = assignment;
  await tx.roleAssignment.upsert({
    where: { incidentId_role: { incidentId: incident.id, role } },
    create: { incidentId: incident.id, role, userId, assignedBy, assignedAt: at },
    update: { userId, assignedBy, assignedAt: at },
  });
  await appendTimeline(tx, {
    incidentId: incident.id,
    kind: "role_assigned",
    actorId: assignedBy ?? userId,
    at,
    data: assignedBy ? { role, userId } : { role, userId, via: "page" },
  });
  const roles = [
    ...incident.roles.filter((held) => held.role !== role),
    { incidentId: incident.id, role, userId, assignedBy, assignedAt: at },
  ];
  await events.publish(tx, {
    type: "incident.role_assigned",
    incident: { ...incident, roles },
    role,
    userId,
    assignedBy,
    at,
  });
}
