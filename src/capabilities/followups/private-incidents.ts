import type { Playbook } from "../../core/config/playbook.ts";

/**
 * How much of an incident goes to GitHub (`followUps.privateIncidents`).
 * GitHub is outside the workspace: a private incident's issue may be read by
 * everyone with access to the repository, so by default it carries only
 * what identifies the work (the incident number, severity, due date, links
 * back to the private channel), never what people typed in that channel.
 *
 * - `full`: everything, as for a public incident (and every public incident).
 * - `redacted`: neutral titles and bodies (the default).
 * - `skip`: nothing; items and the postmortem are tracked in Slack only.
 */
export type GitHubExport = Playbook["followUps"]["privateIncidents"];

export function githubExportFor(playbook: Pick<Playbook, "followUps">, incident: { isPrivate: boolean }): GitHubExport {
  return incident.isPrivate ? playbook.followUps.privateIncidents : "full";
}

/** Said in Slack when a private incident's follow-up stays out of GitHub. */
export const privateSkipReason =
  "This incident is private and the playbook keeps private incidents off GitHub (`followUps.privateIncidents: skip`)";
