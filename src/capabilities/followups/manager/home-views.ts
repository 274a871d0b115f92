import type { HomeView, KnownBlock } from "@slack/types";
import type { ItemPage } from "./queries.ts";
import { context, header, itemBlocks, section } from "./views.ts";
import type { IncidentWithRoles } from "../../../domain/incidents/repository.ts";
import { incidentKey } from "../../../domain/incidents/rules.ts";
import { escapeMrkdwn, mentionChannel, truncate } from "../../../adapters/slack/escape.ts";

/**
 * The App Home tab: what is open, what the viewer is on the hook for, and
 * what the team let slip. Block Kit allows 100 blocks in a Home tab; each
 * list is capped so the whole tab stays under that whatever the data:
 * incidents 1+15+1, roles 1+10+1, my items 1+20+1, overdue 1+20+1, three
 * dividers and the footer = 77 blocks at most.
 */

export const homeCaps = { incidents: 15, roles: 10, myItems: 20, overdueItems: 20 } as const;

export interface HomeData {
  openIncidents: IncidentWithRoles[];
  /** Open items the viewer owns, at most `homeCaps.myItems`, with the full count. */
  myItems: ItemPage;
  /** Open, overdue items of everyone, at most `homeCaps.overdueItems`, with the full count. */
  overdueItems: ItemPage;
  now: Date;
  timezone: string;
}

function incidentLine(incident: IncidentWithRoles): string {
  const channel = incident.channelId ? ` · ${mentionChannel(incident.channelId)}` : "";
  return truncate(
    `*${escapeMrkdwn(`${incidentKey(incident.number)}: ${incident.title}`)}*\n${incident.severity} · ${incident.status}${channel}`,
    3000,
  );
}

function list(title: string, lines: string[], empty: string, cap: number, more: string): KnownBlock[] {
  const blocks: KnownBlock[] = [header(title)];
  if (lines.length === 0) return [...blocks, section(empty)];
  blocks.push(...lines.slice(0, cap).map(section));
  if (lines.length > cap) blocks.push(context(`…and ${lines.length - cap} more. ${more}`));
  return blocks;
}

function itemList(title: string, page: ItemPage, empty: string, data: HomeData, more: string): KnownBlock[] {
  if (page.total === 0) return [header(title), section(empty)];
  return [header(`${title} (${page.total})`), ...itemBlocks(page, data.now, data.timezone, more)];
}

export function renderHome(userId: string, data: HomeData): HomeView {
  const mine = data.openIncidents.flatMap((incident) =>
    incident.roles
      .filter((role) => role.userId === userId)
      .map((role) => `${role.role.replaceAll("_", " ")} of ${incidentLine(incident)}`),
  );
  return {
    type: "home",
    blocks: [
      ...list(
        "Open incidents",
        data.openIncidents.map(incidentLine),
        "No open incidents. :tada:",
        homeCaps.incidents,
        "`/incident list` shows all.",
      ),
      { type: "divider" },
      ...list("Your roles", mine, "You hold no role in an open incident.", homeCaps.roles, "`/incident list` shows all."),
      { type: "divider" },
      ...itemList(
        "Your action items",
        { items: data.myItems.items.slice(0, homeCaps.myItems), total: data.myItems.total },
        "You own no open action items.",
        data,
        "`/incident actions mine` lists them.",
      ),
      { type: "divider" },
      ...itemList(
        "Overdue across the team",
        { items: data.overdueItems.items.slice(0, homeCaps.overdueItems), total: data.overdueItems.total },
        "Nothing is overdue. :tada:",
        data,
        "`/incident actions overdue` lists them.",
      ),
      context(
        `Due dates are calendar days in ${data.timezone}. Type \`/incident\` to declare an incident, \`/incident help\` for every command.`,
      ),
    ],
  };
}
