import type { ModuleFactory } from "../module.ts";
import { type ChecklistDependencies, checklistDeadlineKind, createChecklistDeadlineHandler, startChecklists } from "./checklists.ts";
import { registerChecklistInteractions } from "./register.ts";

/** Activation checklists: posted when an incident starts, ticked in its channel, nudged when overdue. */
export const checklistsModule: ModuleFactory = (core) => {
  const deps: ChecklistDependencies = core;
  return {
    name: "checklists",
    interactions: (router) => registerChecklistInteractions(router, deps),
    timers: { [checklistDeadlineKind]: createChecklistDeadlineHandler(deps) },
    subscribe: (events) => {
      // Step 3 of the flowchart: each team gets its checklist.
      events.on("incident.activated", (tx, { incident, at }) => startChecklists(tx, incident, core.playbook, at));
    },
  };
};
