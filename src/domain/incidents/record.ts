import type { Incident, RoleAssignment } from "../../generated/prisma/client.ts";

/** The incident record as the database holds it, and what a declaration starts from. */

export type { Incident, RoleAssignment };

export interface NewIncident {
  title: string;
  severity: string;
  summary: string;
  components: string[];
  customerImpact: boolean;
  isPrivate: boolean;
  declaredBy: string;
}

export type IncidentWithRoles = Incident & { roles: RoleAssignment[] };
