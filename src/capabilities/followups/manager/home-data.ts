import type { Access } from "../../../adapters/slack/access.ts";
import type { Playbook } from "../../../core/config/playbook.ts";
import { byDueDate, listItems, overdueWhere, visibleItemsWhere } from "./queries.ts";
import type { PrismaClient } from "../../../generated/prisma/client.ts";
import type { IncidentRepository } from "../../../domain/incidents/repository.ts";
import type { Clock } from "../../../core/clock.ts";
import { type HomeData, homeCaps } from "./home-views.ts";

export interface HomeSources {
  prisma: PrismaClient;
  incidents: IncidentRepository;
  playbook: Playbook;
  clock: Clock;
  access: Access;
}

/** Everything one user's Home tab shows, read fresh (a handful of indexed queries). */
export async function loadHomeData(sources: HomeSources, userId: string): Promise<HomeData> {
  const now = sources.clock.now();
  const { timezone } = sources.playbook.followUps;
  const visibleItems = await visibleItemsWhere(sources.prisma, sources.access, userId);
  const [openIncidents, myItems, overdueItems] = await Promise.all([
    sources.incidents.listOpen(),
    listItems(sources.prisma, { AND: [{ state: "open", ownerId: userId }, visibleItems] }, byDueDate, homeCaps.myItems),
    listItems(sources.prisma, { AND: [overdueWhere(now, timezone), visibleItems] }, byDueDate, homeCaps.overdueItems),
  ]);
  // A private incident shows only to the people the access policy lets see it, as its channel does.
  const visible = await sources.access.visibleTo(openIncidents, userId);
  return { openIncidents: visible, myItems, overdueItems, now, timezone };
}
