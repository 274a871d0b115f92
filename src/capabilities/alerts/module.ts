import { resolveChannel } from "../../adapters/slack/adapter.ts";
import { memoizeSuccess } from "../../core/async.ts";
import type { ModuleFactory } from "../module.ts";
import {
  type AlertsDependencies,
  closeGroupsOf,
  createOpenGroupHandler,
  createRefreshTriageHandler,
  createSnoozeEndHandler,
  snoozeEndKind,
} from "./groups.ts";
import { openGroupKind, refreshTriageKind } from "./intake.ts";
import { alertRoutes } from "./receiver.ts";
import { registerTriageButtons } from "./triage-buttons.ts";

/**
 * Alerts: monitoring opens incidents. Alertmanager, Grafana and a generic
 * JSON shape post to `/alerts/<source>`; the playbook's `alerts.routes` say
 * whether a group of alerts declares an incident at once or asks a person in
 * the triage channel first. Grouped by the monitor's group key, so a storm
 * is one incident; an alert on a component with an open incident joins it.
 * docs/ALERTS.md has the whole story.
 */
export const alertsModule: ModuleFactory = (core) => {
  const triageChannelName = core.playbook.alerts.triageChannel;
  const triageChannel = triageChannelName
    ? memoizeSuccess(() => resolveChannel(core.slack, triageChannelName))
    : core.announcementChannel;
  const deps: AlertsDependencies = { ...core, triageChannel };
  return {
    name: "alerts",
    routes: alertRoutes({ ...core, secrets: core.config.alerts }),
    interactions: (router) => registerTriageButtons(router, deps),
    timers: {
      [openGroupKind]: createOpenGroupHandler(deps),
      [refreshTriageKind]: createRefreshTriageHandler(deps),
      [snoozeEndKind]: createSnoozeEndHandler(deps),
    },
    subscribe: (events) => {
      events.on("incident.resolved", (tx, { incident, at }) => closeGroupsOf(tx, incident.id, at));
    },
  };
};
