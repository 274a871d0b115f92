import type { KnownBlock, View } from "@slack/types";
import type { Playbook } from "../../core/config/playbook.ts";
import { escapeMrkdwn, mentionActor, mentionChannel, mentionUser, truncate } from "../../adapters/slack/escape.ts";
import { formModal, input } from "../../adapters/slack/forms.ts";
import type { SlackMessage } from "../../adapters/slack/gateway.ts";
import type { IncidentWithRoles } from "../../domain/incidents/repository.ts";
import { sharedButtonIds } from "../../domain/incidents/buttons.ts";
import { incidentKey, limits, statusLabels } from "../../domain/incidents/rules.ts";

/**
 * Block Kit renderers: incident in, message out. Pure functions, so they are
 * tested directly. Every user-typed string goes through escapeMrkdwn.
 */

const sectionTextMax = 3000;

const severityEmoji: Record<string, string> = {
  SEV1: ":red_circle:",
  SEV2: ":large_orange_circle:",
  SEV3: ":large_yellow_circle:",
  SEV4: ":white_circle:",
};

export const actionIds = {
  showStatus: "incident_show_status",
  postUpdate: sharedButtonIds.postUpdate,
  snoozeReminder: sharedButtonIds.snoozeReminder,
} as const;

export const callbackIds = {
  declare: "incident_declare",
  update: "incident_update",
} as const;

/** The roles the topic, intro and announcement name: a change to another role leaves them as they are. */
export const rolesOnSurfaces: readonly string[] = ["incident_commander"];

function commander(incident: IncidentWithRoles): string {
  const ic = incident.roles.find((role) => role.role === "incident_commander");
  return ic ? mentionUser(ic.userId) : "_unassigned_";
}

function headline(incident: IncidentWithRoles): string {
  return `${incidentKey(incident.number)}: ${incident.title}`;
}

function facts(incident: IncidentWithRoles): string[] {
  return [
    `*Severity*\n${severityEmoji[incident.severity] ?? ""} ${incident.severity}`,
    `*Status*\n${statusLabels[incident.status] ?? incident.status}`,
    `*Incident commander*\n${commander(incident)}`,
    `*Customer impact*\n${incident.customerImpact ? "Yes" : "No"}`,
  ];
}

export function renderTopic(incident: IncidentWithRoles): string {
  // Topics are shown verbatim, but escaping still stops `<!channel>` tricks.
  return truncate(
    escapeMrkdwn(
      `${incident.severity} · ${statusLabels[incident.status] ?? incident.status} · ${incident.title}`,
    ),
    250,
  );
}

export function renderIntro(incident: IncidentWithRoles): SlackMessage {
  const blocks: KnownBlock[] = [
    {
      type: "header",
      text: { type: "plain_text", text: truncate(escapeMrkdwn(headline(incident)), 150) },
    },
    {
      type: "section",
      fields: facts(incident).map((text) => ({ type: "mrkdwn", text })),
    },
  ];
  if (incident.summary) {
    blocks.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: truncate(`*Summary*\n${escapeMrkdwn(incident.summary)}`, sectionTextMax),
      },
    });
  }
  if (incident.components.length > 0) {
    blocks.push({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: truncate(
            `Affected: ${incident.components.map(escapeMrkdwn).join(", ")}`,
            sectionTextMax,
          ),
        },
      ],
    });
  }
  blocks.push(
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text:
            incident.status === "resolved"
              ? `Declared by ${mentionActor(incident.declaredBy)}. Resolved; \`/incident reopen\` if it comes back.`
              : `Declared by ${mentionActor(incident.declaredBy)}. Next: post an update with \`/incident update investigating <what you know>\`. \`/incident help\` lists every command.`,
        },
      ],
    },
    {
      type: "actions",
      elements: [
        {
          type: "button",
          action_id: actionIds.postUpdate,
          text: { type: "plain_text", text: "Post update" },
          style: "primary",
          value: incident.id,
        },
        {
          type: "button",
          action_id: sharedButtonIds.draftNotice,
          text: { type: "plain_text", text: "Draft customer notice" },
          value: incident.id,
        },
        {
          type: "button",
          action_id: actionIds.showStatus,
          text: { type: "plain_text", text: "Show status" },
          value: incident.id,
        },
      ],
    },
  );
  return {
    text: `${escapeMrkdwn(headline(incident))} (${incident.severity}, ${incident.status}). Incident commander: ${commander(incident)}.`,
    blocks,
  };
}

export function renderAnnouncement(incident: IncidentWithRoles): SlackMessage {
  const emoji = severityEmoji[incident.severity] ?? "";
  const channel = incident.channelId ? mentionChannel(incident.channelId) : "(channel pending)";
  const line = `${emoji} *${escapeMrkdwn(headline(incident))}*`;
  return {
    text: `${escapeMrkdwn(headline(incident))}: ${incident.severity}, ${statusLabels[incident.status]}. Join ${channel}.`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: truncate(line, sectionTextMax) } },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `${incident.severity} · ${statusLabels[incident.status] ?? incident.status} · IC ${commander(incident)} · ${channel}`,
          },
        ],
      },
    ],
  };
}

export function renderStatus(incident: IncidentWithRoles): SlackMessage {
  const roles = incident.roles
    .map((role) => `${role.role.replaceAll("_", " ")}: ${mentionUser(role.userId)}`)
    .join("\n");
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: { type: "mrkdwn", text: `*${escapeMrkdwn(truncate(headline(incident), 200))}*` },
    },
    { type: "section", fields: facts(incident).map((text) => ({ type: "mrkdwn", text })) },
  ];
  if (incident.summary) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: truncate(escapeMrkdwn(incident.summary), sectionTextMax) },
    });
  }
  if (roles) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: roles }] });
  const declared = `Declared <!date^${Math.floor(incident.declaredAt.getTime() / 1000)}^{date_short_pretty} {time}|${incident.declaredAt.toISOString()}>`;
  blocks.push({
    type: "context",
    elements: [
      {
        type: "mrkdwn",
        text: `${declared}${incident.channelId ? ` · ${mentionChannel(incident.channelId)}` : ""}`,
      },
    ],
  });
  return {
    text: escapeMrkdwn(`${headline(incident)} (${incident.severity}, ${incident.status})`),
    blocks,
  };
}

/** At most 45 incidents are listed, to stay under Block Kit's 50 blocks. */
export function renderOpenList(incidents: IncidentWithRoles[]): SlackMessage {
  if (incidents.length === 0) {
    return { text: "No open incidents. :tada:" };
  }
  const shown = incidents.slice(0, 45);
  const blocks: KnownBlock[] = [
    {
      type: "header",
      text: { type: "plain_text", text: `Open incidents (${incidents.length})` },
    },
    ...shown.map(
      (incident): KnownBlock => ({
        type: "section",
        text: {
          type: "mrkdwn",
          text: truncate(
            `${severityEmoji[incident.severity] ?? ""} *${escapeMrkdwn(headline(incident))}*\n${incident.severity} · ${statusLabels[incident.status]} · IC ${commander(incident)}${incident.channelId ? ` · ${mentionChannel(incident.channelId)}` : ""}`,
            sectionTextMax,
          ),
        },
      }),
    ),
  ];
  if (incidents.length > shown.length) {
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: `…and ${incidents.length - shown.length} more.` }],
    });
  }
  return {
    text: `Open incidents: ${incidents.map((incident) => incidentKey(incident.number)).join(", ")}`,
    blocks,
  };
}

export const declareBlockIds = {
  title: "title",
  severity: "severity",
  summary: "summary",
  components: "components",
  customerImpact: "customer_impact",
  visibility: "visibility",
} as const;

export function renderDeclareModal(playbook: Playbook, privateMetadata: string): View {
  const severityOptions = Object.entries(playbook.severities)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, severity]) => ({
      text: { type: "plain_text" as const, text: truncate(`${id}: ${severity.description}`, 75) },
      value: id,
    }));
  const yesNo = [
    { text: { type: "plain_text" as const, text: "No" }, value: "no" },
    { text: { type: "plain_text" as const, text: "Yes" }, value: "yes" },
  ];
  return formModal({
    callbackId: callbackIds.declare,
    privateMetadata,
    title: "Declare an incident",
    submit: "Declare",
    blocks: [
      input({
        blockId: declareBlockIds.title,
        label: "Title",
        element: {
          type: "plain_text_input",
          max_length: limits.titleMaxLength,
          placeholder: { type: "plain_text", text: "Checkout API returning 500s" },
        },
      }),
      input({ blockId: declareBlockIds.severity, label: "Severity", element: { type: "static_select", options: severityOptions } }),
      input({
        blockId: declareBlockIds.summary,
        optional: true,
        label: "Summary",
        element: { type: "plain_text_input", multiline: true, max_length: limits.summaryMaxLength },
      }),
      input({
        blockId: declareBlockIds.components,
        optional: true,
        label: "Affected components",
        hint: "Comma-separated, e.g. API, Checkout",
        element: { type: "plain_text_input" },
      }),
      input({
        blockId: declareBlockIds.customerImpact,
        label: "Are customers affected?",
        element: { type: "radio_buttons", options: yesNo, initial_option: yesNo[0] },
      }),
      input({
        blockId: declareBlockIds.visibility,
        label: "Private incident?",
        hint: "Private incidents get a private channel, no announcement and never reach the status page.",
        element: { type: "radio_buttons", options: yesNo, initial_option: yesNo[0] },
      }),
    ],
  });
}

export function renderStatusUpdate(
  incident: IncidentWithRoles,
  update: { status: string; message: string; authorId: string; isPublic: boolean },
): SlackMessage {
  const label = statusLabels[update.status] ?? update.status;
  const heading = `*${incidentKey(incident.number)} update: ${label}*`;
  const body = truncate(escapeMrkdwn(update.message), sectionTextMax - 200);
  return {
    text: `${incidentKey(incident.number)} update (${label}): ${body}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `${heading}\n${body}` } },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `Posted by ${mentionUser(update.authorId)}${update.isPublic ? " · public" : " · internal"}`,
          },
        ],
      },
    ],
  };
}

export function renderResolved(
  incident: IncidentWithRoles,
  summary: string,
  byUserId: string,
): SlackMessage {
  const text = `:white_check_mark: *${escapeMrkdwn(headline(incident))}* is resolved by ${mentionUser(byUserId)}.${
    summary ? `\n${truncate(escapeMrkdwn(summary), sectionTextMax - 300)}` : ""
  }`;
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
}

export function renderReopened(incident: IncidentWithRoles, byUserId: string): SlackMessage {
  const text = `:rotating_light: *${escapeMrkdwn(headline(incident))}* was reopened by ${mentionUser(byUserId)}. Status: Investigating.`;
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
}

export function renderSeverityChanged(
  incident: IncidentWithRoles,
  from: string,
  byUserId: string,
): SlackMessage {
  const text = `Severity of *${incidentKey(incident.number)}* changed from ${from} to ${severityEmoji[incident.severity] ?? ""} ${incident.severity} by ${mentionUser(byUserId)}.`;
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
}

export const updateBlockIds = {
  status: "status",
  message: "message",
  visibility: "visibility",
} as const;

export function renderUpdateModal(incident: IncidentWithRoles): View {
  const options = (["investigating", "identified", "monitoring", "resolved"] as const).map(
    (status) => ({
      text: { type: "plain_text" as const, text: statusLabels[status]! },
      value: status,
    }),
  );
  const current = options.find((option) => option.value === incident.status) ?? options[0]!;
  const publicOption = {
    text: { type: "plain_text" as const, text: "Also publish on the status page" },
    value: "public",
  };
  return formModal({
    callbackId: callbackIds.update,
    privateMetadata: JSON.stringify({ incidentId: incident.id }),
    title: truncate(`Update ${incidentKey(incident.number)}`, 24),
    submit: "Post update",
    blocks: [
      input({ blockId: updateBlockIds.status, label: "Status", element: { type: "static_select", options, initial_option: current } }),
      input({
        blockId: updateBlockIds.message,
        label: "What do we know now?",
        element: { type: "plain_text_input", multiline: true, max_length: limits.updateMaxLength },
      }),
      input({
        blockId: updateBlockIds.visibility,
        optional: true,
        label: "Visibility",
        element: { type: "checkboxes", options: [publicOption] },
      }),
    ],
  });
}
