import type { App } from "@slack/bolt";
import { registerHome } from "../../home/register.ts";
import type { TimerHandler } from "../../scheduler/types.ts";
import type { Subcommand } from "../../slack/command-router.ts";
import type { FollowUpCapability } from "../capability.ts";

// PLACEHOLDER: being written (/incident actions, App Home, weekly digest).
export function managerSubcommands(_capability: FollowUpCapability): Subcommand<unknown>[] {
  return [];
}
export function managerTimerHandlers(_capability: FollowUpCapability): Record<string, TimerHandler> {
  return {};
}
/** Called once at startup (schedules the weekly digest). */
export async function scheduleManagerTimers(_capability: FollowUpCapability): Promise<void> {}
/** Registers the App Home tab. */
export function registerManagerViews(app: App, capability: FollowUpCapability): void {
  registerHome(app, capability.incidents);
}
/** Republishes the App Home of these users after their action items changed. */
export function refreshHomes(_capability: FollowUpCapability, _userIds: readonly string[]): void {}
