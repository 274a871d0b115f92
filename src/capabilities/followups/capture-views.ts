import type { KnownBlock, View } from "@slack/types";
import { incidentKey } from "../../domain/incidents/rules.ts";
import { truncate } from "../../adapters/slack/escape.ts";
import { formModal, input } from "../../adapters/slack/forms.ts";
import type { SlackMessage } from "../../adapters/slack/gateway.ts";
import { actionItemLimits } from "./action-items.ts";

/** Message shortcuts declared in manifest.yml; the callback ids must match it. */
export const captureShortcutIds = {
  addActionItem: "incident_add_action_item",
  addToTimeline: "incident_add_to_timeline",
} as const;

export const actionItemModalCallbackId = "incident_action_item_modal";
export const actionItemBlockIds = { text: "text", owner: "owner", due: "due" } as const;

/** The reaction that puts a message on the timeline. */
export const timelineReaction = "pushpin";

/** What the action-item modal carries from the shortcut to its submission. */
export interface ActionItemModalMetadata {
  incidentId: string;
  channelId: string;
  ts: string;
  /** Absent when Slack was too slow to give it before the trigger expired; fetched on submit. */
  permalink?: string;
}

export function renderActionItemModal(
  incident: { number: number },
  metadata: ActionItemModalMetadata,
  messageText: string,
): View {
  const initial = truncate(messageText.trim(), actionItemLimits.text);
  const source = metadata.permalink ? `<${metadata.permalink}|this message>` : "this message";
  const blocks: KnownBlock[] = [
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `A follow-up action item of ${incidentKey(incident.number)}, from ${source}. It becomes a GitHub issue when GitHub is set up.`,
        },
      ],
    },
    input({
      blockId: actionItemBlockIds.text,
      label: "What needs doing",
      element: {
        type: "plain_text_input",
        multiline: true,
        max_length: actionItemLimits.text,
        // Slack refuses an empty initial_value, e.g. for a message that is only a file.
        ...(initial ? { initial_value: initial } : {}),
      },
    }),
    input({
      blockId: actionItemBlockIds.owner,
      optional: true,
      label: "Owner",
      element: { type: "users_select", placeholder: { type: "plain_text", text: "Who will do it" } },
    }),
    input({
      blockId: actionItemBlockIds.due,
      optional: true,
      label: "Due",
      element: { type: "datepicker", placeholder: { type: "plain_text", text: "Pick a day" } },
    }),
  ];
  return formModal({
    callbackId: actionItemModalCallbackId,
    privateMetadata: JSON.stringify(metadata),
    title: "Add action item",
    submit: "Add",
    blocks,
  });
}

/** The one quiet thread reply under a message put on the timeline. */
export function renderPinnedReply(incident: { number: number }): SlackMessage {
  return { text: `📌 Added to the ${incidentKey(incident.number)} timeline.` };
}

export function pinnedReplyForUser(incident: { number: number }, recorded: boolean): string {
  const key = incidentKey(incident.number);
  return recorded ? `📌 Added to the ${key} timeline.` : `That message is already on the ${key} timeline.`;
}

export const notAnIncidentChannelMessage =
  "This message is not in an incident channel. Use this shortcut on a message in the channel of an active incident.";
