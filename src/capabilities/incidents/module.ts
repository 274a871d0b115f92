import { takeChannelSlot } from "../../adapters/slack/outbox.ts";
import type { ModuleFactory } from "../module.ts";
import { type IncidentCapability, incidentSubcommands, registerIncidentInteractions } from "./commands.ts";
import {
  completeDeclarationKind,
  createCompleteDeclarationHandler,
  type DeclareDependencies,
  resumeDeclarations,
} from "./declare.ts";
import { createRefreshSurfacesHandler } from "./refresh.ts";
import { rolesOnSurfaces } from "./views.ts";
import {
  activateIncident,
  refreshSurfacesKind,
  type StatusDependencies,
  scheduleDeclarationRetry,
  scheduleRefresh,
} from "./status-updates.ts";

/**
 * Incidents: declaring (the channel, the announcement), status updates,
 * severity changes, resolve and reopen, and keeping the channel topic, intro
 * and announcement current. Publishes the lifecycle events every other
 * capability reacts to; imports none of them.
 */
export const incidentsModule: ModuleFactory = (core) => {
  const status: StatusDependencies = core;
  const declare: DeclareDependencies = {
    ...core,
    activate: (incident) => activateIncident(status, incident),
    retryLater: (incident) => scheduleDeclarationRetry(status, incident),
    takeChannelSlot: (channelId) => takeChannelSlot(core.prisma, channelId, core.clock.now()),
  };
  const capability: IncidentCapability = { ...core, status, declare };
  return {
    name: "incidents",
    subcommands: incidentSubcommands(capability),
    interactions: (router) => registerIncidentInteractions(router, capability),
    timers: {
      [completeDeclarationKind]: createCompleteDeclarationHandler(declare),
      [refreshSurfacesKind]: createRefreshSurfacesHandler({ ...core, slack: core.deliverySlack }),
    },
    subscribe: (events) => {
      // The intro and announcement name the incident commander: a new one (by `/incident role` or by
      // acknowledging a page) refreshes them. Other roles are not shown there, so they cost no calls.
      events.on("incident.role_assigned", async (tx, event) => {
        if (rolesOnSurfaces.includes(event.role)) await scheduleRefresh(tx, event.incident.id, event.at);
      });
    },
    resume: async () => {
      await resumeDeclarations(declare);
    },
  };
};
