import type { Incident, PrismaClient, RoleAssignment } from "../generated/prisma/client.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { TimelineKind } from "./timeline.ts";

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

const maxNumberRetries = 5;

/** Persistence for incidents, their roles and their timeline. */
export function createIncidentRepository(prisma: PrismaClient) {
  const timelineEntry = (
    incidentId: string,
    kind: TimelineKind,
    at: Date,
    actorId: string | null,
    data: Record<string, unknown> = {},
  ) => ({ incidentId, kind, occurredAt: at, actorId, data: data as Prisma.InputJsonObject });

  return {
    /**
     * Inserts the incident in the `declaring` phase with the next number, the
     * declarer as incident commander and a `declared` timeline event, all in
     * one transaction. Two declarations racing for a number retry.
     */
    async createDeclaring(input: NewIncident, at: Date): Promise<Incident> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await prisma.$transaction(async (tx) => {
            const { _max } = await tx.incident.aggregate({ _max: { number: true } });
            const incident = await tx.incident.create({
              data: {
                ...input,
                number: (_max.number ?? 0) + 1,
                declaredAt: at,
                phase: "declaring",
              },
            });
            await tx.roleAssignment.create({
              data: {
                incidentId: incident.id,
                role: "incident_commander",
                userId: input.declaredBy,
                assignedAt: at,
              },
            });
            await tx.timelineEvent.createMany({
              data: [
                timelineEntry(incident.id, "declared", at, input.declaredBy, {
                  severity: input.severity,
                  title: input.title,
                }),
                timelineEntry(incident.id, "role_assigned", at, input.declaredBy, {
                  role: "incident_commander",
                  userId: input.declaredBy,
                }),
              ],
            });
            return incident;
          });
        } catch (error) {
          const numberTaken =
            error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
          if (!numberTaken || attempt >= maxNumberRetries) throw error;
        }
      }
    },

    async recordChannel(id: string, channel: { id: string; name: string }, at: Date) {
      await prisma.$transaction([
        prisma.incident.update({
          where: { id },
          data: { channelId: channel.id, channelName: channel.name },
        }),
        prisma.timelineEvent.create({
          data: timelineEntry(id, "channel_created", at, null, {
            channelId: channel.id,
            name: channel.name,
          }),
        }),
      ]);
    },

    async recordIntro(id: string, ts: string) {
      await prisma.incident.update({ where: { id }, data: { introTs: ts } });
    },

    async recordAnnouncement(id: string, channelId: string, ts: string, at: Date) {
      await prisma.$transaction([
        prisma.incident.update({
          where: { id },
          data: { announcementChannelId: channelId, announcementTs: ts },
        }),
        prisma.timelineEvent.create({
          data: timelineEntry(id, "announced", at, null, { channelId, ts }),
        }),
      ]);
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

    timeline: (incidentId: string) =>
      prisma.timelineEvent.findMany({
        where: { incidentId },
        orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
      }),
  };
}

export type IncidentRepository = ReturnType<typeof createIncidentRepository>;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && uuidPattern.test(value);
}
