import type { PrismaClient } from "../../generated/prisma/client.ts";
import { incidentStatuses } from "./rules.ts";

/** The statuses an open incident can have (every one but resolved). */
export const openIncidentStatuses: readonly string[] = incidentStatuses.filter((status) => status !== "resolved");

/**
 * Open incidents (active, not resolved) counted by severity and status: the
 * only incident facts /metrics shows. Private incidents count like the
 * others; nothing that identifies one leaves this query.
 */
export async function countOpenIncidents(
  prisma: PrismaClient,
): Promise<{ severity: string; status: string; count: number }[]> {
  const groups = await prisma.incident.groupBy({
    by: ["severity", "status"],
    where: { status: { not: "resolved" }, phase: "active" },
    _count: { _all: true },
  });
  return groups.map((group) => ({ severity: group.severity, status: group.status, count: group._count._all }));
}
