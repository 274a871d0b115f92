import { incidentChanges } from "../../domain/incidents/events.ts";
import type { ModuleFactory } from "../module.ts";
import { createStatusPage } from "./status-page.ts";

/** The public status page: /status, /api/v2/summary.json, /history.atom, served from memory. */
export const statusPageModule: ModuleFactory = (core) => {
  const statusPage = createStatusPage({
    prisma: core.prisma,
    playbook: core.playbook,
    clock: core.clock,
    log: core.log.child({ component: "status-page" }),
    defaultUrl: `http://localhost:${core.config.port}/status`,
    track: (work) => core.tasks.track(work),
  });
  return {
    name: "status-page",
    routes: statusPage.routes,
    // Changes made by this process show at once; other replicas' within the refresh interval.
    subscribe: (events) => events.afterCommit(incidentChanges, () => statusPage.invalidate()),
    start: () => statusPage.start(),
    stop: () => statusPage.stop(),
  };
};
