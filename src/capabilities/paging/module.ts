import { opsgenieClient } from "../../adapters/pagers/opsgenie.ts";
import { pagerDutyClient } from "../../adapters/pagers/pagerduty.ts";
import type { AppConfig } from "../../core/config/env.ts";
import type { ModuleFactory } from "../module.ts";
import { type PagingCapability, pagingSubcommands, registerPagingInteractions } from "./commands.ts";
import { createEscalationHandler, escalationKind, rolesToPage, startPaging } from "./escalation.ts";
import {
  acknowledgeRoleAlerts,
  createPagerDeliveryHandler,
  type PagerAlertDependencies,
  pagerDeliverKind,
  resolveIncidentAlerts,
} from "./pager-alerts.ts";
import { pagerWebhookRoutes } from "./pager-webhooks.ts";

/**
 * Paging: pages the roles a severity needs when an incident starts and when
 * its severity rises, escalates through the playbook's policies until someone
 * acknowledges, and answers `/incident page` and `/incident role`. Roles or
 * levels with `pager: pagerduty|opsgenie` also open an alert there, which
 * follows the role (acknowledged when someone takes it, resolved with the
 * incident) and can stop the escalation from the pager's side.
 */
export const pagingModule: ModuleFactory = (core) => {
  const capability: PagingCapability = core;
  const pagers = pagerClients(core.config.pagers);
  const pagerDeps: PagerAlertDependencies = { ...core, pagers };
  return {
    name: "paging",
    subcommands: pagingSubcommands(capability),
    interactions: (router) => registerPagingInteractions(router, capability),
    timers: {
      [escalationKind]: createEscalationHandler({ ...capability, slack: core.deliverySlack, pagers }),
      [pagerDeliverKind]: createPagerDeliveryHandler(pagerDeps),
    },
    routes: pagerWebhookRoutes({
      ...core,
      pagerDutySecret: core.config.pagers.pagerduty.webhookSecret,
      opsgenieToken: core.config.pagers.opsgenie.webhookToken,
      onAcknowledged: () => core.metrics.pages.acknowledged.inc(),
    }),
    subscribe: (events) => {
      // Step 2 of the flowchart: page whom the severity needs.
      events.on("incident.activated", async (tx, { incident, at }) => {
        for (const role of rolesToPage(core.playbook, incident.severity)) await startPaging(tx, incident, role, at);
      });
      // Raising severity pages the roles the new one adds; lowering never un-pages anyone.
      events.on("incident.severity_changed", async (tx, { incident, from, to, at }) => {
        for (const role of rolesToPage(core.playbook, to, from)) await startPaging(tx, incident, role, at);
      });
      // Someone holds the role now: the pager stops ringing for it.
      events.on("incident.role_assigned", (tx, { incident, role, at }) => acknowledgeRoleAlerts(tx, incident.id, role, at));
      events.on("incident.resolved", (tx, { incident, at }) => resolveIncidentAlerts(tx, incident.id, at));
    },
  };
};

function pagerClients(settings: AppConfig["pagers"]): PagerAlertDependencies["pagers"] {
  return {
    ...(settings.pagerduty.routingKey
      ? { pagerduty: pagerDutyClient({ eventsUrl: settings.pagerduty.eventsUrl, routingKey: settings.pagerduty.routingKey }) }
      : {}),
    ...(settings.opsgenie.apiKey ? { opsgenie: opsgenieClient({ apiUrl: settings.opsgenie.apiUrl, apiKey: settings.opsgenie.apiKey }) } : {}),
  };
}
