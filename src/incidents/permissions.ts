import type { Permission, Playbook } from "../config/playbook.ts";
import { incidentKey } from "./rules.ts";

/**
 * Who may do what, from the playbook's `permissions`: the holders of the
 * listed roles in this incident, and the playbook's admins. Pure.
 */

const actions: Record<Permission, string> = {
  changeSeverity: "change the severity of",
  resolve: "resolve or reopen",
  assignRoles: "assign roles in",
  publishStatus: "publish to the status page for",
};

export type Authorization = { ok: true } | { ok: false; error: string };

export function authorize(
  playbook: Playbook,
  incident: { number: number; roles: { role: string; userId: string }[] },
  userId: string,
  permission: Permission,
): Authorization {
  return authorizeRoles(playbook, incident, userId, playbook.permissions[permission], actions[permission]);
}

/** Customer notices: the IC, the comms lead and the playbook's approvers. */
export function authorizeNoticeApproval(
  playbook: Playbook,
  incident: { number: number; roles: { role: string; userId: string }[] },
  userId: string,
): Authorization {
  const roles = [...new Set(["incident_commander", "comms_lead", ...playbook.customerNotices.approvers])];
  return authorizeRoles(playbook, incident, userId, roles, "approve customer notices for");
}

function authorizeRoles(
  playbook: Playbook,
  incident: { number: number; roles: { role: string; userId: string }[] },
  userId: string,
  allowedRoles: readonly string[],
  action: string,
): Authorization {
  if (playbook.permissions.admins.includes(userId)) return { ok: true };
  const held = incident.roles.filter((role) => role.userId === userId).map((role) => role.role);
  if (held.some((role) => allowedRoles.includes(role))) return { ok: true };

  const labels = allowedRoles.map((role) => playbook.roles[role]?.label.toLowerCase() ?? role);
  const holders = incident.roles
    .filter((role) => allowedRoles.includes(role.role))
    .map((role) => `<@${role.userId}>`);
  return {
    ok: false,
    error: `Only the ${joinOr(labels)}${playbook.permissions.admins.length > 0 ? " or an admin" : ""} can ${action} ${incidentKey(incident.number)}.${
      holders.length > 0 ? ` Ask ${joinOr(holders)}.` : ""
    }`,
  };
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}
