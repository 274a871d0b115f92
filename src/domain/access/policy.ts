import type { Permission, Playbook } from "../../core/config/playbook.ts";
import { incidentKey } from "../incidents/rules.ts";

/**
 * The one access policy. Every entry point (subcommand, button, modal,
 * shortcut, event, list, App Home, digest) asks it before it acts or shows
 * anything; none decides for itself. This file is pure: what a person may do
 * follows from the playbook, the incident's roles and privacy, and whether
 * the person is in the incident's channel (looked up by `membership.ts`).
 *
 * - Seeing: a public incident is visible to everyone in the workspace. A
 *   private one only to its channel's members, the holders of its roles and
 *   the playbook's admins.
 * - Contributing (status updates, pages, action items, checklists, notices'
 *   drafts, 📌 capture, snoozing a reminder, the postmortem draft): whoever
 *   can see the incident.
 * - Permissions (`permissions.*` in the playbook): the holders of the listed
 *   roles in this incident, and the admins. `publishStatus` guards anything
 *   that reaches the public status page: `--public` updates, and resolving,
 *   reopening or changing the severity of an incident already shown there.
 * - Approving customer notices: the IC, the comms lead and
 *   `customerNotices.approvers`, and the admins.
 * - Triage messages (an alert asking whether it is an incident): declaring,
 *   dismissing or snoozing it is for the members of the triage channel it
 *   was posted in, and the admins. The message is about no incident yet, so
 *   the channel is the boundary: whoever can read the alert may act on it.
 * - Answering a page: only the person it was sent to. A page is how someone
 *   outside a private incident is brought in, so it needs no membership;
 *   manual pages into a private incident are limited to people already
 *   inside (see `paging/commands.ts`), and its DM names no title.
 */

export type Capability = "view" | "contribute" | Permission | "approveNotice" | "answerPage";

export interface IncidentAccessFacts {
  number: number;
  isPrivate: boolean;
  roles: readonly { role: string; userId: string }[];
  /** Whether the public status page shows it (it has had a public update). Asked only for state changes. */
  onStatusPage?: boolean;
}

/**
 * Once an incident is on the public status page, resolving, reopening or
 * changing its severity changes what the public reads there (its status, a
 * resolution summary, the components' state): that is publishing too.
 */
export const publicStateChanges: readonly Capability[] = ["resolve", "changeSeverity"];

export interface Actor {
  userId: string;
  /** Whether the person is a member of the incident's channel (only consulted for private incidents). */
  inChannel: boolean;
  /** Who the thing acted on (a page) was sent to, when it was sent to one person. */
  addressee?: string;
}

export type Decision = { ok: true } | { ok: false; error: string };

const permissionActions: Record<Permission | "approveNotice", string> = {
  changeSeverity: "change the severity of",
  resolve: "resolve or reopen",
  assignRoles: "assign roles in",
  publishStatus: "publish to the status page for",
  approveNotice: "approve customer notices for",
};

export function isAdmin(playbook: Playbook, userId: string): boolean {
  return playbook.permissions.admins.includes(userId);
}

export function holdsRole(incident: IncidentAccessFacts, userId: string): boolean {
  return incident.roles.some((role) => role.userId === userId);
}

/** Whether seeing this incident needs a channel-membership lookup for this person. */
export function needsMembership(playbook: Playbook, incident: IncidentAccessFacts, userId: string): boolean {
  return incident.isPrivate && !isAdmin(playbook, userId) && !holdsRole(incident, userId);
}

export function canSee(playbook: Playbook, incident: IncidentAccessFacts, actor: Actor): boolean {
  if (!incident.isPrivate) return true;
  return isAdmin(playbook, actor.userId) || holdsRole(incident, actor.userId) || actor.inChannel;
}

/** The roles that hold a permission in every incident. */
export function rolesFor(playbook: Playbook, capability: Permission | "approveNotice"): string[] {
  if (capability === "approveNotice") {
    return [...new Set(["incident_commander", "comms_lead", ...playbook.customerNotices.approvers])];
  }
  return [...playbook.permissions[capability]];
}

export function decide(
  playbook: Playbook,
  incident: IncidentAccessFacts,
  actor: Actor,
  capability: Capability,
): Decision {
  if (capability === "answerPage") {
    if (actor.addressee !== undefined && actor.addressee === actor.userId) return { ok: true };
    return { ok: false, error: actor.addressee ? `This page is for <@${actor.addressee}>.` : "Only the person a page was sent to can answer it." };
  }
  if (!canSee(playbook, incident, actor)) {
    return {
      ok: false,
      error: `${incidentKey(incident.number)} is a private incident. Only the people in its channel${
        playbook.permissions.admins.length > 0 ? " and the admins" : ""
      } can see it or act on it; ask its incident commander to add you.`,
    };
  }
  if (capability === "view" || capability === "contribute") return { ok: true };
  if (isAdmin(playbook, actor.userId)) return { ok: true };
  if (incident.onStatusPage && publicStateChanges.includes(capability)) {
    const own = decide(playbook, { ...incident, onStatusPage: false }, actor, capability);
    return own.ok ? decide(playbook, incident, actor, "publishStatus") : own;
  }
  const allowed = rolesFor(playbook, capability);
  const held = incident.roles.filter((role) => role.userId === actor.userId).map((role) => role.role);
  if (held.some((role) => allowed.includes(role))) return { ok: true };

  const labels = allowed.map((role) => playbook.roles[role]?.label.toLowerCase() ?? role.replaceAll("_", " "));
  const holders = [...new Set(incident.roles.filter((role) => allowed.includes(role.role)).map((role) => `<@${role.userId}>`))];
  return {
    ok: false,
    error: `Only the ${joinOr(labels)}${playbook.permissions.admins.length > 0 ? " or an admin" : ""} can ${
      permissionActions[capability]
    } ${incidentKey(incident.number)}.${holders.length > 0 ? ` Ask ${joinOr(holders)}.` : ""}`,
  };
}

/** Declare, Dismiss and Snooze on a triage message (see above). */
export function decideTriage(playbook: Playbook, actor: { userId: string; inTriageChannel: boolean }): Decision {
  if (actor.inTriageChannel || isAdmin(playbook, actor.userId)) return { ok: true };
  return { ok: false, error: "Only the members of the triage channel can act on its alerts; ask to be added to it." };
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}
