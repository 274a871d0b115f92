import type { PrismaClient } from "../../generated/prisma/client.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import { isPerson } from "./actors.ts";
import type { IncidentEvents } from "./events.ts";
import type { Incident, NewIncident } from "./record.ts";
import { appendTimeline } from "./timeline.ts";

export type { Incident, IncidentWithRoles, NewIncident, RoleAssignment } from "./record.ts";

/**
 * Persistence for incidents and their roles. With `events`, a declaration
 * publishes `incident.declared` in its transaction (tools that only read
 * incidents need none).
 */
export function createIncidentRepository(prisma: PrismaClient, events?: IncidentEvents) {
  const transaction = <R>(work: (tx: Prisma.TransactionClient) => Promise<R>): Promise<R> =>
    events ? events.transaction(work) : prisma.$transaction(work);

  return {
    /**
     * Inserts the incident in the `declaring` phase with the next number, the
     * declarer as incident commander and a `declared` timeline event, all in
     * one transaction.
     *
     * The number comes from the `incident_counter` row, so two declarations,
     * on any replicas, can never take the same one and nothing is retried.
     * It is taken in a statement of its own, just before the transaction:
     * inside it, the row lock would queue every concurrent declaration behind
     * the others' inserts and commits (measured: 30 at once on three loaded
     * replicas held it 30–500 ms each, and the last ones hit Prisma's 5 s
     * interactive-transaction timeout while each waiter also held a pooled
     * connection). The price is a gap when the insert then fails, and gaps
     * exist anyway: a declaration rolled back before its channel existed
     * leaves one. Numbers are never reused, so an `INC-n` someone saw in an
     * error never comes to mean a different incident.
     */
    async createDeclaring(
      input: NewIncident,
      at: Date,
      options: {
        /** More work in the same transaction (an alert group recording its incident). */
        within?: (tx: Prisma.TransactionClient, incident: Incident) => Promise<void>;
      } = {},
    ): Promise<Incident> {
      const number = await takeNextNumber(prisma);
      return transaction(async (tx) => {
        const incident = await tx.incident.create({
          data: { ...input, number, declaredAt: at, phase: "declaring" },
        });
        await appendTimeline(tx, {
          incidentId: incident.id,
          kind: "declared",
          actorId: input.declaredBy,
          at,
          data: { severity: input.severity, title: input.title },
        });
        // A monitor that declares holds no role: the severity's roles are paged, and whoever
        // acknowledges the incident commander's page takes it.
        const roles = [];
        if (isPerson(input.declaredBy)) {
          roles.push(
            await tx.roleAssignment.create({
              data: { incidentId: incident.id, role: "incident_commander", userId: input.declaredBy, assignedAt: at },
            }),
          );
          await appendTimeline(tx, {
            incidentId: incident.id,
            kind: "role_assigned",
            actorId: input.declaredBy,
            at,
            data: { role: "incident_commander", userId: input.declaredBy },
          });
        }
        await options.within?.(tx, incident);
        await events?.publish(tx, {
          type: "incident.declared",
          incident: { ...incident, roles },
          actorId: input.declaredBy,
          at,
        });
        return incident;
      });
    },

    async recordChannel(id: string, channel: { id: string; name: string }, at: Date) {
      await prisma.$transaction(async (tx) => {
        await tx.incident.update({
          where: { id },
          data: { channelId: channel.id, channelName: channel.name },
        });
        await appendTimeline(tx, {
          incidentId: id,
          kind: "channel_created",
          actorId: null,
          at,
          data: { channelId: channel.id, name: channel.name },
        });
      });
    },

    async recordIntro(id: string, ts: string) {
      await prisma.incident.update({ where: { id }, data: { introTs: ts } });
    },

    async recordAnnouncement(id: string, channelId: string, ts: string, at: Date) {
      await prisma.$transaction(async (tx) => {
        await tx.incident.update({
          where: { id },
          data: { announcementChannelId: channelId, announcementTs: ts },
        });
        await appendTimeline(tx, { incidentId: id, kind: "announced", actorId: null, at, data: { channelId, ts } });
      });
    },

    /** Only for a declaration that never got a channel: nothing was announced yet. */
    async deleteUnannounced(id: string) {
      await prisma.incident.deleteMany({ where: { id, channelId: null } });
    },

    // Ids arrive from button values and modal metadata: one that is not a UUID names nothing
    // (PostgreSQL would reject it with an error instead).
    findById: async (id: string) =>
      isUuid(id) ? prisma.incident.findUnique({ where: { id }, include: { roles: true } }) : null,

    findByNumber: (number: number) =>
      prisma.incident.findUnique({ where: { number }, include: { roles: true } }),

    findByChannel: (channelId: string) =>
      prisma.incident.findUnique({ where: { channelId }, include: { roles: true } }),

    listOpen: () =>
      prisma.incident.findMany({
        where: { status: { not: "resolved" }, phase: "active" },
        include: { roles: true },
        orderBy: { number: "desc" },
      }),

    listDeclaring: () =>
      prisma.incident.findMany({ where: { phase: "declaring" }, include: { roles: true } }),

    /** Whether the incident has had a public update: from then on the status page shows it. */
    hasPublicUpdate: async (incidentId: string) =>
      (await prisma.timelineEvent.count({
        where: { incidentId, kind: "status_update", data: { path: ["public"], equals: true } },
      })) > 0,

    timeline: (incidentId: string) =>
      prisma.timelineEvent.findMany({
        where: { incidentId },
        orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
      }),
  };
}

export type IncidentRepository = ReturnType<typeof createIncidentRepository>;

/**
 * Takes the next incident number. One statement, so the counter row is locked
 * only while it runs; concurrent callers queue on that lock and each gets the
 * value its predecessor left. The migration seeds the row; a database restored
 * without it, or with a counter behind its incidents, continues after the
 * highest existing number instead of failing on the unique number. The `max`
 * is an index lookup, and it cannot lower the counter, so gaps stay gaps.
 */
async function takeNextNumber(db: Pick<PrismaClient, "$queryRaw">): Promise<number> {
  const rows = await db.$queryRaw<{ last_number: number }[]>`
    INSERT INTO incident_counter (id, last_number)
    VALUES (1, (SELECT COALESCE(MAX(number), 0) + 1 FROM incidents))
    ON CONFLICT (id) DO UPDATE SET last_number =
      GREATEST(incident_counter.last_number, (SELECT COALESCE(MAX(number), 0) FROM incidents)) + 1
    RETURNING last_number`;
  const number = rows[0]?.last_number;
  if (typeof number !== "number") throw new Error("the incident counter returned no number");
  return number;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && uuidPattern.test(value);
}
