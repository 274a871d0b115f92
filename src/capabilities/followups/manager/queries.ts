import { DateTime } from "luxon";
import type { Access } from "../../../adapters/slack/access.ts";
import type { ActionItem, Prisma, PrismaClient } from "../../../generated/prisma/client.ts";

/**
 * The action-item reads behind the manager views (`/incident actions`, the
 * App Home, the digest). Lists are capped by the caller's Block Kit budget and
 * come with the full count, so a view can say "…and N more".
 */

export type ItemWithIncident = ActionItem & {
  incident: { number: number; title: string; channelId: string | null };
};

export interface ItemPage {
  items: ItemWithIncident[];
  total: number;
}

const withIncident = { incident: { select: { number: true, title: true, channelId: true } } } as const;

/**
 * Open items whose due day has ended in `timezone`: the same rule as
 * `isOverdue`, expressed as a query (`due_on` is a calendar day).
 */
export function overdueWhere(now: Date, timezone: string): Prisma.ActionItemWhereInput {
  const today = DateTime.fromJSDate(now, { zone: timezone }).toISODate()!;
  return { state: "open", dueOn: { lt: new Date(`${today}T00:00:00Z`) } };
}

export async function listItems(
  prisma: PrismaClient,
  where: Prisma.ActionItemWhereInput,
  orderBy: Prisma.ActionItemOrderByWithRelationInput[],
  take: number,
): Promise<ItemPage> {
  const [items, total] = await Promise.all([
    prisma.actionItem.findMany({ where, orderBy, take, include: withIncident }),
    prisma.actionItem.count({ where }),
  ]);
  return { items, total };
}

/**
 * What one person may see of items, as a filter: those of public incidents,
 * and of the private incidents the access policy lets them see (asked per
 * private incident that has items; membership is cached). Every list of
 * items across incidents (overdue, all, mine, the App Home) uses it, so a
 * private incident stays as private as its channel.
 */
export async function visibleItemsWhere(
  prisma: PrismaClient,
  access: Pick<Access, "visibleTo">,
  userId: string,
): Promise<Prisma.ActionItemWhereInput> {
  const privateIncidents = await prisma.incident.findMany({
    where: { isPrivate: true, actionItems: { some: {} } },
    select: { id: true, number: true, isPrivate: true, channelId: true, roles: { select: { role: true, userId: true } } },
  });
  const visible = await access.visibleTo(privateIncidents, userId);
  return {
    OR: [{ incident: { isPrivate: false } }, ...(visible.length > 0 ? [{ incidentId: { in: visible.map((incident) => incident.id) } }] : [])],
  };
}

/** Soonest due first (undated last), then oldest first: what needs attention leads. */
export const byDueDate: Prisma.ActionItemOrderByWithRelationInput[] = [
  { dueOn: { sort: "asc", nulls: "last" } },
  { createdAt: "asc" },
  { id: "asc" },
];
