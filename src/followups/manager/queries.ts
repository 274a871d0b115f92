import { DateTime } from "luxon";
import type { ActionItem, Prisma, PrismaClient } from "../../generated/prisma/client.ts";

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
 * What one person may see of items: everything from public incidents, and
 * from private incidents only what they own, created, or hold a role in.
 * Team-wide lists (overdue, all, the App Home's overdue list) use it; a
 * private incident stays as private as its channel.
 */
export function visibleTo(userId: string): Prisma.ActionItemWhereInput {
  return {
    OR: [
      { incident: { isPrivate: false } },
      { ownerId: userId },
      { createdBy: userId },
      { incident: { roles: { some: { userId } } } },
    ],
  };
}

/** Soonest due first (undated last), then oldest first: what needs attention leads. */
export const byDueDate: Prisma.ActionItemOrderByWithRelationInput[] = [
  { dueOn: { sort: "asc", nulls: "last" } },
  { createdAt: "asc" },
  { id: "asc" },
];
