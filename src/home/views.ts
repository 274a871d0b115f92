import type { HomeView, KnownBlock } from "@slack/types";
import type { IncidentWithRoles } from "../incidents/repository.ts";
import { incidentKey } from "../incidents/rules.ts";
import { escapeMrkdwn, mentionChannel, truncate } from "../slack/escape.ts";

/**
 * The App Home tab: what is open, and what the viewer is on the hook for.
 * Block Kit allows 100 blocks in a Home tab; the lists are capped well below.
 */

const maxListed = 20;

function incidentLine(incident: IncidentWithRoles): string {
  const channel = incident.channelId ? ` · ${mentionChannel(incident.channelId)}` : "";
  return truncate(
    `*${escapeMrkdwn(`${incidentKey(incident.number)}: ${incident.title}`)}*\n${incident.severity} · ${incident.status}${channel}`,
    3000,
  );
}

function list(title: string, lines: string[], empty: string): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: "header", text: { type: "plain_text", text: title } }];
  if (lines.length === 0) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: empty } });
    return blocks;
  }
  for (const line of lines.slice(0, maxListed)) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: line } });
  }
  if (lines.length > maxListed) {
    blocks.push({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `…and ${lines.length - maxListed} more. \`/incident list\` shows all.`,
        },
      ],
    });
  }
  return blocks;
}

export function renderHome(userId: string, openIncidents: IncidentWithRoles[]): HomeView {
  const mine = openIncidents.flatMap((incident) =>
    incident.roles
      .filter((role) => role.userId === userId)
      .map((role) => `${role.role.replaceAll("_", " ")} of ${incidentLine(incident)}`),
  );
  return {
    type: "home",
    blocks: [
      ...list("Open incidents", openIncidents.map(incidentLine), "No open incidents. :tada:"),
      { type: "divider" },
      ...list("Your roles", mine, "You hold no role in an open incident."),
      { type: "divider" },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: "Type `/incident` to declare an incident, `/incident help` for every command.",
          },
        ],
      },
    ],
  };
}
