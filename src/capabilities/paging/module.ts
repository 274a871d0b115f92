import type { ModuleFactory } from "../module.ts";
import { type PagingCapability, pagingSubcommands, registerPagingInteractions } from "./commands.ts";
import { createEscalationHandler, escalationKind, rolesToPage, startPaging } from "./escalation.ts";

/**
 * Paging: pages the roles a severity needs when an incident starts and when
 * its severity rises, escalates through the playbook's policies until someone
 * acknowledges, and answers `/incident page` and `/incident role`.
 */
export const pagingModule: ModuleFactory = (core) => {
  const capability: PagingCapability = core;
  return {
    name: "paging",
    subcommands: pagingSubcommands(capability),
    interactions: (router) => registerPagingInteractions(router, capability),
    timers: { [escalationKind]: createEscalationHandler({ ...capability, slack: core.deliverySlack }) },
    subscribe: (events) => {
      // Step 2 of the flowchart: page whom the severity needs.
      events.on("incident.activated", async (tx, { incident, at }) => {
        for (const role of rolesToPage(core.playbook, incident.severity)) await startPaging(tx, incident, role, at);
      });
      // Raising severity pages the roles the new one adds; lowering never un-pages anyone.
      events.on("incident.severity_changed", async (tx, { incident, from, to, at }) => {
        for (const role of rolesToPage(core.playbook, to, from)) await startPaging(tx, incident, role, at);
      });
    },
  };
};
