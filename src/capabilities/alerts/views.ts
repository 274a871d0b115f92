import type { KnownBlock } from "@slack/types";
import type { SlackMessage } from "../../adapters/slack/gateway.ts";
import { escapeMrkdwn, mentionUser, truncate } from "../../adapters/slack/escape.ts";

/** What the alert intake posts: the triage message, and notes in an incident's channel. */

export const triageActionIds = {
  declare: "alert_triage_declare",
  dismiss: "alert_triage_dismiss",
  snooze: "alert_triage_snooze",
} as const;

const sourceNames: Record<string, string> = {
  alertmanager: "Alertmanager",
  grafana: "Grafana",
  generic: "a monitor",
};

export function sourceName(source: string): string {
  return sourceNames[source] ?? escapeMrkdwn(source);
}

export interface TriageFacts {
  id: string;
  source: string;
  title: string;
  severity: string;
  route: string;
  team: string | null;
  components: string[];
  labels: Record<string, string>;
  externalUrl: string | null;
  state: string;
  status: string;
  notifications: number;
  firingAlerts: number;
  snoozedUntil: Date | null;
  decidedBy: string | null;
  incidentKey?: string;
  incidentChannelId?: string | null;
  oncall: string[];
}

const shownLabels = 8;

export function renderTriageMessage(facts: TriageFacts): SlackMessage {
  const title = escapeMrkdwn(truncate(facts.title, 150));
  const counter =
    facts.status === "resolved"
      ? `✅ Resolved by the monitor (${facts.notifications} notification${facts.notifications === 1 ? "" : "s"})`
      : `🔥 ${facts.firingAlerts} alert${facts.firingAlerts === 1 ? "" : "s"} firing · ${facts.notifications} notification${facts.notifications === 1 ? "" : "s"}`;
  const labels = Object.entries(facts.labels)
    .slice(0, shownLabels)
    .map(([name, value]) => `\`${escapeMrkdwn(truncate(name, 40))}=${escapeMrkdwn(truncate(value, 80))}\``)
    .join(" ");
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: "Potential incident", emoji: true } },
    {
      type: "section",
      text: { type: "mrkdwn", text: `*${title}*\n${counter}` },
      fields: [
        { type: "mrkdwn", text: `*Source*\n${sourceName(facts.source)}` },
        { type: "mrkdwn", text: `*Severity if declared*\n${escapeMrkdwn(facts.severity)}` },
        { type: "mrkdwn", text: `*Route*\n${escapeMrkdwn(facts.route)}${facts.team ? ` · ${escapeMrkdwn(facts.team)}` : ""}` },
        {
          type: "mrkdwn",
          text: `*On call*\n${facts.oncall.length > 0 ? facts.oncall.map(mentionUser).join(", ") : "nobody paged"}`,
        },
      ],
    },
  ];
  if (labels) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: labels }] });
  const decided = decisionLine(facts);
  if (decided) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: decided } });
  }
  if (facts.state === "triage" || facts.state === "snoozed" || facts.state === "pending") {
    blocks.push({
      type: "actions",
      block_id: "alert_triage",
      elements: [
        { type: "button", action_id: triageActionIds.declare, text: { type: "plain_text", text: "Declare" }, style: "danger", value: facts.id },
        { type: "button", action_id: triageActionIds.dismiss, text: { type: "plain_text", text: "Dismiss" }, value: facts.id },
        { type: "button", action_id: triageActionIds.snooze, text: { type: "plain_text", text: "Snooze" }, value: facts.id },
      ],
    });
  }
  if (facts.externalUrl) {
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: `<${safeUrl(facts.externalUrl)}|Open in ${sourceName(facts.source)}>` }],
    });
  }
  return { text: `Potential incident: ${truncate(facts.title, 150)} (${counter.replace(/^\S+ /, "")})`, blocks };
}

function decisionLine(facts: TriageFacts): string | undefined {
  const who = facts.decidedBy ? mentionUser(facts.decidedBy) : "someone";
  switch (facts.state) {
    case "declared":
      return `🚨 Declared ${facts.incidentKey ?? "an incident"} by ${who}${facts.incidentChannelId ? ` in <#${facts.incidentChannelId}>` : ""}.`;
    case "attached":
      return `📎 Attached to ${facts.incidentKey ?? "an open incident"}${facts.incidentChannelId ? ` in <#${facts.incidentChannelId}>` : ""}.`;
    case "dismissed":
      return `🙈 Dismissed by ${who}.`;
    case "snoozed":
      return facts.snoozedUntil
        ? `💤 Snoozed by ${who} until <!date^${Math.floor(facts.snoozedUntil.getTime() / 1000)}^{time}|${facts.snoozedUntil.toISOString()}>.`
        : undefined;
    default:
      return undefined;
  }
}

/** A link Slack shows as given: only http(s), and no character that ends a `<url|text>` link. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "https://invalid.example/";
    return parsed.toString().replace(/[<>|]/g, encodeURIComponent);
  } catch {
    return "https://invalid.example/";
  }
}

/** A DM to the on-call: an alert waits for a decision in the triage channel. */
export function renderTriagePage(facts: { title: string; source: string; channelId: string }): SlackMessage {
  const text = `🔔 Potential incident from ${sourceName(facts.source)}: *${escapeMrkdwn(truncate(facts.title, 150))}*. You are on call: decide in <#${facts.channelId}> (Declare, Dismiss or Snooze).`;
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
}

/** In an incident's channel: the monitor says the alerts resolved, or fire again. */
export function renderMonitorNote(facts: { source: string; title: string; status: string; firing: number }): SlackMessage {
  const title = escapeMrkdwn(truncate(facts.title, 150));
  const text =
    facts.status === "resolved"
      ? `✅ Resolved by the monitor (${sourceName(facts.source)}): ${title}. The incident stays open until someone resolves it.`
      : `🔥 Firing again in ${sourceName(facts.source)} (${facts.firing} alert${facts.firing === 1 ? "" : "s"}): ${title}`;
  return { text };
}

/** In an incident's channel: an alert about one of its components joined it instead of opening another. */
export function renderAttachedNote(facts: { source: string; title: string; firing: number }): SlackMessage {
  return {
    text: `📎 Alert from ${sourceName(facts.source)} attached to this incident (${facts.firing} firing): ${escapeMrkdwn(truncate(facts.title, 150))}`,
  };
}
