import type { App } from "@slack/bolt";
import type { IncidentWithRoles } from "../../incidents/repository.ts";
import type { TimerHandler, Transaction } from "../../scheduler/types.ts";
import type { Subcommand } from "../../slack/command-router.ts";
import type { FollowUpCapability } from "../capability.ts";

// PLACEHOLDER: being written (postmortem draft, owner button, review reminder).
export function postmortemSubcommands(_capability: FollowUpCapability): Subcommand<unknown>[] {
  return [];
}
export function registerPostmortemInteractions(_app: App, _capability: FollowUpCapability): void {}
export function postmortemTimerHandlers(_capability: FollowUpCapability): Record<string, TimerHandler> {
  return {};
}
/** Runs inside the transaction that resolves an incident. */
export async function onIncidentResolved(
  _capability: FollowUpCapability,
  _tx: Transaction,
  _incident: IncidentWithRoles,
  _actorId: string,
  _now: Date,
): Promise<void> {}
