import type { KnownBlock } from "@slack/types";
import { DateTime } from "luxon";
import { incidentKey } from "../../../domain/incidents/rules.ts";
import { escapeMrkdwn, mentionChannel, mentionUser, truncate } from "../../../adapters/slack/escape.ts";
import type { SlackMessage } from "../../../adapters/slack/gateway.ts";

/** Block Kit for the postmortem: the owner question, the review reminder, replies. Pure. */

export const postmortemActionIds = {
  takeOwnership: "postmortem_take_ownership",
  chooseOwner: "postmortem_choose_owner",
} as const;

/** The owner controls carry the incident in their block_id (a users_select has no value of its own). */
export const ownerBlockPrefix = "postmortem-owner:";

export function ownerBlockId(incidentId: string): string {
  return `${ownerBlockPrefix}${incidentId}`;
}

export function incidentIdFromOwnerBlock(blockId: string | undefined): string | undefined {
  return blockId?.startsWith(ownerBlockPrefix) ? blockId.slice(ownerBlockPrefix.length) : undefined;
}

interface IncidentHeadline {
  id: string;
  number: number;
  title: string;
}

const headline = (incident: IncidentHeadline) =>
  `*${escapeMrkdwn(`${incidentKey(incident.number)}: ${incident.title}`)}*`;

/** `Monday 30 November 2026, 09:42 GMT` in the team's zone. */
export function formatDeadline(date: Date, timezone: string): string {
  return DateTime.fromJSDate(date, { zone: timezone }).toFormat("cccc d LLLL yyyy, HH:mm ZZZZ");
}

function ownerControls(incident: IncidentHeadline, hasOwner: boolean): KnownBlock {
  return {
    type: "actions",
    block_id: ownerBlockId(incident.id),
    elements: [
      {
        type: "button",
        action_id: postmortemActionIds.takeOwnership,
        text: { type: "plain_text", text: hasOwner ? "I'll own it instead" : "I'll own the postmortem" },
        value: incident.id,
        ...(hasOwner ? {} : { style: "primary" as const }),
      },
      {
        type: "users_select",
        action_id: postmortemActionIds.chooseOwner,
        placeholder: { type: "plain_text", text: hasOwner ? "Hand it to someone" : "Or choose someone" },
      },
    ],
  };
}

/**
 * Posted in the incident channel when it resolves. When an owner is already
 * known (resolved again after a reopen), it says so and still lets anyone
 * take over.
 */
export function renderOwnerPrompt(
  incident: IncidentHeadline,
  postmortem: { ownerId: string | null; reviewDueAt: Date; reviewDays: number },
  timezone: string,
): SlackMessage {
  const due = formatDeadline(postmortem.reviewDueAt, timezone);
  const text = postmortem.ownerId
    ? `📝 ${headline(incident)} is resolved. ${mentionUser(postmortem.ownerId)} owns the postmortem; it is due for review by ${due}.`
    : `📝 ${headline(incident)} is resolved. Who owns the postmortem? It is due for review by ${due} (${postmortem.reviewDays} days).`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: truncate(text, 3000) } },
      ownerControls(incident, postmortem.ownerId !== null),
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: "`/incident postmortem` drafts it from the timeline." }],
      },
    ],
  };
}

/** Replaces the owner question once somebody has taken it. */
export function renderOwnerChosen(
  incident: IncidentHeadline,
  postmortem: { ownerId: string; reviewDueAt: Date | null },
  chosenBy: string,
  timezone: string,
): SlackMessage {
  const who =
    chosenBy === postmortem.ownerId
      ? `${mentionUser(postmortem.ownerId)} owns the postmortem`
      : `${mentionUser(postmortem.ownerId)} owns the postmortem (chosen by ${mentionUser(chosenBy)})`;
  const due = postmortem.reviewDueAt ? `; it is due for review by ${formatDeadline(postmortem.reviewDueAt, timezone)}` : "";
  const text = `📝 ${headline(incident)}: ${who}${due}.`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: truncate(text, 3000) } },
      ownerControls(incident, true),
    ],
  };
}

/** The review-deadline reminder, mentioning the owner (or the IC when nobody took it). */
export function renderReviewReminder(
  incident: IncidentHeadline,
  reminder: {
    mention: string | undefined;
    isOwner: boolean;
    reviewDays: number;
    hasDraft: boolean;
    githubUrl: string | null;
    githubNumber: number | null;
  },
): SlackMessage {
  const whom = reminder.mention
    ? reminder.isOwner
      ? `${mentionUser(reminder.mention)}, `
      : `${mentionUser(reminder.mention)} (incident commander; nobody took the postmortem), `
    : "";
  const where =
    reminder.githubUrl && reminder.githubNumber
      ? `It is <${reminder.githubUrl}|GitHub issue #${reminder.githubNumber}>.`
      : reminder.hasDraft
        ? "Its draft is stored; `/incident postmortem` shows it again."
        : "There is no draft yet: `/incident postmortem` drafts it from the timeline.";
  const text = `⏰ ${whom}the postmortem for ${headline(incident)} is due for review now (${reminder.reviewDays} days after it was resolved). ${where}`;
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text: truncate(text, 3000) } }] };
}

export type DraftOutcome =
  | { kind: "queued"; channelId: string | null }
  | { kind: "already_queued"; channelId: string | null }
  | { kind: "exists"; githubUrl: string; githubNumber: number }
  | { kind: "uploaded"; channelId: string; filename: string }
  | { kind: "upload_failed"; channelId: string; reason: string }
  | { kind: "no_channel" };

/** The ephemeral reply to `/incident postmortem`. */
export function renderDraftReply(incident: { number: number; isPrivate?: boolean }, outcome: DraftOutcome): SlackMessage {
  const key = incidentKey(incident.number);
  // A private incident's draft also stays off GitHub under `followUps.privateIncidents: skip`;
  // the reply cannot tell which, so it names both (the channel note says which).
  const noIssue = incident.isPrivate
    ? "No GitHub issue was opened: GitHub is off, or the playbook keeps private incidents off it (`followUps.privateIncidents: skip`)."
    : "GitHub is off (GITHUB_TOKEN and GITHUB_REPOSITORY are not set), so no issue was opened.";
  const channel = (id: string | null) => (id ? mentionChannel(id) : "the incident channel");
  const text = ((): string => {
    switch (outcome.kind) {
      case "queued":
        return `Drafted the ${key} postmortem from its timeline. Its GitHub issue (label \`postmortem\`) is queued; the link will be posted in ${channel(outcome.channelId)}.`;
      case "already_queued":
        return `The ${key} postmortem's GitHub issue is already queued; I refreshed the draft it will be opened with. The link will be posted in ${channel(outcome.channelId)}.`;
      case "exists":
        return `The ${key} postmortem is already open as <${outcome.githubUrl}|GitHub issue #${outcome.githubNumber}>; no second issue was opened. I refreshed the stored draft; edit the issue on GitHub, it is not overwritten.`;
      case "uploaded":
        return `Drafted the ${key} postmortem and uploaded it to ${channel(outcome.channelId)} as ${outcome.filename}. ${noIssue}`;
      case "upload_failed":
        return `Drafted and stored the ${key} postmortem, but uploading it to ${channel(outcome.channelId)} failed (${escapeMrkdwn(outcome.reason)}). Run \`/incident postmortem\` again to retry.`;
      case "no_channel":
        return `Drafted and stored the ${key} postmortem, but the incident has no channel to upload it to. ${noIssue}`;
    }
  })();
  return { text };
}

export function renderNotResolvedReply(incident: { number: number; status: string }): SlackMessage {
  return {
    text: `${incidentKey(incident.number)} is still ${escapeMrkdwn(incident.status)}. Resolve it first (\`/incident resolve [summary]\`); the postmortem is drafted from the whole timeline.`,
  };
}

export function postmortemFilename(incident: { number: number }): string {
  return `${incidentKey(incident.number)}-postmortem.md`;
}
