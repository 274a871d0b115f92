import type { Playbook } from "../config/playbook.ts";
import { byDueDate, listItems, overdueWhere, visibleTo } from "../followups/manager/queries.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { IncidentRepository } from "../incidents/repository.ts";
import type { Clock } from "../shared/clock.ts";
import { type HomeData, homeCaps } from "./views.ts";

export interface HomeSources {
  prisma: PrismaClient;
  incidents: IncidentRepository;
  playbook: Playbook;
  clock: Clock;
}

/** Everything one user's Home tab shows, read fresh (a handful of indexed queries). */
export async function loadHomeData(sources: HomeSources, userId: string): Promise<HomeData> {
  const now = sources.clock.now();
  const { timezone } = sources.playbook.followUps;
  const [openIncidents, myItems, overdueItems] = await Promise.all([
    sources.incidents.listOpen(),
    listItems(sources.prisma, { state: "open", ownerId: userId }, byDueDate, homeCaps.myItems),
    listItems(sources.prisma, { AND: [overdueWhere(now, timezone), visibleTo(userId)] }, byDueDate, homeCaps.overdueItems),
  ]);
  // A private incident shows only to the people in it, as its channel does.
  const visible = openIncidents.filter(
    (incident) => !incident.isPrivate || incident.declaredBy === userId || incident.roles.some((role) => role.userId === userId),
  );
  return { openIncidents: visible, myItems, overdueItems, now, timezone };
}
