import type { ModuleFactory } from "../module.ts";
import { type IncidentCapability, incidentSubcommands, registerIncidentInteractions } from "./commands.ts";
import {
  completeDeclarationKind,
  createCompleteDeclarationHandler,
  type DeclareDependencies,
  resumeDeclarations,
} from "./declare.ts";
import { createRefreshSurfacesHandler } from "./refresh.ts";
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
      // Whoever takes a role, the topic, intro and announcement name them.
      events.on("incident.role_assigned", (tx, event) => scheduleRefresh(tx, event.incident.id, event.at));
    },
    resume: async () => {
      await resumeDeclarations(declare);
    },
  };
};
