import { roleLabel } from "../../core/config/playbook.ts";
import type { KnownBlock } from "@slack/types";
import type { Playbook } from "../../core/config/playbook.ts";
import type { IncidentWithRoles } from "../../domain/incidents/repository.ts";
import { incidentKey } from "../../domain/incidents/rules.ts";
import { escapeMrkdwn, mentionChannel, mentionUser, truncate } from "../../adapters/slack/escape.ts";
import type { SlackMessage } from "../../adapters/slack/gateway.ts";

export const pagingActionIds = { acknowledge: "page_acknowledge" } as const;

export { roleLabel };

/** The DM a paged person gets: what, how bad, where, and one button. */
export function renderPage(
  incident: IncidentWithRoles,
  page: {
    id: string;
    role: string;
    level: number;
    round: number;
    message?: string | null;
    pagedBy?: string | null;
  },
  playbook: Playbook,
): SlackMessage {
  const key = incidentKey(incident.number);
  const asWhat = page.role ? ` as *${roleLabel(playbook, page.role)}*` : "";
  const by = page.pagedBy ? ` by ${mentionUser(page.pagedBy)}` : "";
  const repeat = page.round > 0 ? ` (page repeated, round ${page.round + 1})` : "";
  // A DM outlives the page. For a private incident it names no title and no summary: the person sees
  // them in the channel, which acknowledging brings them into.
  const what = incident.isPrivate ? `a private incident, *${key}*` : `*${escapeMrkdwn(`${key}: ${incident.title}`)}*`;
  const headline = `:rotating_light: You are paged${asWhat}${by} for ${what} (${incident.severity})${repeat}.`;
  const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: headline } }];
  const details = [
    page.message ? `> ${escapeMrkdwn(page.message)}` : "",
    incident.summary && !incident.isPrivate ? escapeMrkdwn(incident.summary) : "",
    incident.isPrivate
      ? "Acknowledge to take it; you will be added to its private channel."
      : incident.channelId
        ? `Join ${mentionChannel(incident.channelId)}.`
        : "",
  ].filter(Boolean);
  if (details.length > 0) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: truncate(details.join("\n"), 2900) },
    });
  }
  blocks.push({
    type: "actions",
    elements: [
      {
        type: "button",
        action_id: pagingActionIds.acknowledge,
        style: "primary",
        text: { type: "plain_text", text: "Acknowledge" },
        value: page.id,
      },
    ],
  });
  return {
    text: `You are paged${page.role ? ` as ${roleLabel(playbook, page.role)}` : ""} for ${key} (${incident.severity}).`,
    blocks,
  };
}

export function renderPageAcknowledged(
  incident: IncidentWithRoles,
  role: string,
  playbook: Playbook,
): SlackMessage {
  const text = `:white_check_mark: You acknowledged${role ? ` and are now *${roleLabel(playbook, role)}*` : ""} for *${escapeMrkdwn(`${incidentKey(incident.number)}: ${incident.title}`)}*.${
    incident.channelId ? ` You were added to ${mentionChannel(incident.channelId)}.` : ""
  }`;
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
}

export function renderPagedNote(
  role: string,
  userIds: string[],
  level: number,
  round: number,
  playbook: Playbook,
): SlackMessage {
  const who = userIds.map(mentionUser).join(", ");
  const what = role ? `*${roleLabel(playbook, role)}*` : "by hand";
  const step =
    level === 0 && round === 0
      ? ""
      : ` (escalated: level ${level + 1}${round > 0 ? `, round ${round + 1}` : ""})`;
  const text = `:pager: Paged ${who} ${role ? `for ${what}` : what}${step}.`;
  return { text };
}

export function renderAcknowledgedNote(
  userId: string,
  role: string,
  playbook: Playbook,
): SlackMessage {
  return {
    text: `:white_check_mark: ${mentionUser(userId)} acknowledged${role ? ` and is now *${roleLabel(playbook, role)}*` : ""}.`,
  };
}

export function renderFallbackAlert(role: string, playbook: Playbook): SlackMessage {
  return {
    text: `<!here> Nobody acknowledged the page for *${roleLabel(playbook, role)}* after every escalation level. Can anyone take it? \`/incident role ${role} @someone\``,
  };
}
