import { type IncidentStatus, incidentKey } from "./rules.ts";
import type { TimelineKind } from "./timeline.ts";

/**
 * The incident lifecycle as a pure function: given the current status and
 * what someone asked for, either the new status and what follows from it, or
 * the reason it is not allowed. Statuses follow Statuspage:
 * investigating → identified → monitoring → resolved. Any open status may
 * move to any other (a relapse from monitoring back to investigating is
 * normal); a resolved incident only moves again through reopen.
 */

export type LifecycleRequest =
  | { type: "update"; status: IncidentStatus }
  | { type: "resolve" }
  | { type: "reopen" };

/** What happens to the update-reminder clock. */
export type ReminderEffect = "reset" | "stop" | "restart";

export type LifecycleDecision =
  | {
      ok: true;
      status: IncidentStatus;
      timeline: TimelineKind;
      reminder: ReminderEffect;
      resolvedNow: boolean;
    }
  | { ok: false; error: string };

export function decideTransition(
  incident: { number: number; status: string },
  request: LifecycleRequest,
): LifecycleDecision {
  const key = incidentKey(incident.number);
  const resolved = incident.status === "resolved";
  const wantsResolve =
    request.type === "resolve" || (request.type === "update" && request.status === "resolved");

  if (request.type === "reopen") {
    if (!resolved)
      return {
        ok: false,
        error: `${key} is not resolved (it is ${incident.status}), so there is nothing to reopen.`,
      };
    return {
      ok: true,
      status: "investigating",
      timeline: "reopened",
      reminder: "restart",
      resolvedNow: false,
    };
  }
  if (resolved) {
    return wantsResolve
      ? { ok: false, error: `${key} is already resolved.` }
      : {
          ok: false,
          error: `${key} is resolved. Run \`/incident reopen\` first if it is happening again.`,
        };
  }
  if (wantsResolve) {
    return {
      ok: true,
      status: "resolved",
      timeline: "resolved",
      reminder: "stop",
      resolvedNow: true,
    };
  }
  return {
    ok: true,
    status: request.status,
    timeline: "status_update",
    reminder: "reset",
    resolvedNow: false,
  };
}
