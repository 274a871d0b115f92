import type { ModuleFactory } from "../module.ts";
import { registerReminderInteractions } from "./commands.ts";
import { subscribeReminderClock, updateReminderKind } from "./reminders.ts";
import { createUpdateReminderHandler } from "./update-reminders.ts";

/** Update reminders: nag the comms lead (then the IC) when an incident goes quiet. */
export const remindersModule: ModuleFactory = (core) => ({
  name: "reminders",
  interactions: (router) => registerReminderInteractions(router, core),
  timers: {
    [updateReminderKind]: createUpdateReminderHandler(core),
  },
  subscribe: (events) => subscribeReminderClock(events, core.playbook),
});
