import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { StatusIncidentRow } from "./snapshot.ts";

/**
 * The status page's only database access. It runs when the snapshot is
 * rebuilt, never while a request is answered.
 */

const publishedKinds = ["status_update", "resolved", "reopened"];

/**
 * Every public incident that is open or was resolved since `since`, with the
 * events that can be published. Prisma runs this as two queries (incidents,
 * then their events), and no others.
 */
export async function loadStatusRows(
  prisma: PrismaClient,
  since: Date,
): Promise<StatusIncidentRow[]> {
  const incidents = await prisma.incident.findMany({
    where: {
      isPrivate: false,
      OR: [{ status: { not: "resolved" } }, { resolvedAt: { gte: since } }],
    },
    select: {
      id: true,
      number: true,
      title: true,
      severity: true,
      isPrivate: true,
      components: true,
      declaredAt: true,
      resolvedAt: true,
      timeline: {
        where: { kind: { in: publishedKinds } },
        select: { id: true, kind: true, occurredAt: true, data: true },
        orderBy: { id: "asc" },
      },
    },
  });
  return incidents.map(({ timeline, ...incident }) => ({ ...incident, events: timeline }));
}

/**
 * A cheap answer to "did anything change?", so that a replica's idle refresh
 * costs one small query instead of a reload and a re-render. Counts are in
 * it, not only maxima: a transaction that commits after one with a higher id
 * still changes the count of events.
 */
export async function loadChangeMarker(prisma: PrismaClient): Promise<string> {
  const [row] = await prisma.$queryRaw<
    { incidents: number; edited: Date | null; events: number; last_event: bigint | null }[]
  >`SELECT (SELECT count(*)::int FROM incidents) AS incidents,
           (SELECT max(updated_at) FROM incidents) AS edited,
           (SELECT count(*)::int FROM timeline_events) AS events,
           (SELECT max(id) FROM timeline_events) AS last_event`;
  if (!row) return "";
  return [row.incidents, row.edited?.toISOString() ?? "", row.events, row.last_event ?? ""].join("|");
}
