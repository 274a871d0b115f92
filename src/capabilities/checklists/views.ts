import type { KnownBlock } from "@slack/types";
import type { Checklist } from "../../core/config/playbook.ts";
import { incidentKey } from "../../domain/incidents/rules.ts";
import { escapeMrkdwn, mentionUser } from "../../adapters/slack/escape.ts";
import type { SlackMessage } from "../../adapters/slack/gateway.ts";

export const checklistActionIds = { toggle: "checklist_toggle" } as const;

/** The block id carries the checklist's id, so a toggle knows which list it belongs to. */
export function checklistBlockId(checklistId: string): string {
  return `checklist:${checklistId}`;
}

export function renderChecklist(
  incident: { id: string; number: number },
  checklistId: string,
  checklist: Checklist,
  ownerId: string | undefined,
  items: { itemId: string; text: string; deadlineAt: Date; completedAt: Date | null }[],
): SlackMessage {
  const options = items.map((item) => {
    const minutes = checklist.items.find((spec) => spec.id === item.itemId)?.deadlineMinutes;
    return {
      text: { type: "plain_text" as const, text: item.text },
      ...(minutes
        ? {
            description: {
              type: "plain_text" as const,
              text: `Within ${minutes} min of declaring`,
            },
          }
        : {}),
      value: item.itemId,
    };
  });
  const done = options.filter(
    (option) => items.find((item) => item.itemId === option.value)?.completedAt,
  );
  const owner = ownerId ? ` · owner ${mentionUser(ownerId)}` : "";
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*${escapeMrkdwn(checklist.label)} checklist* for ${incidentKey(incident.number)}${owner}`,
      },
    },
    {
      type: "actions",
      block_id: checklistBlockId(checklistId),
      elements: [
        {
          type: "checkboxes",
          action_id: checklistActionIds.toggle,
          options,
          ...(done.length > 0 ? { initial_options: done } : {}),
        },
      ],
    },
  ];
  return {
    text: escapeMrkdwn(`${checklist.label} checklist for ${incidentKey(incident.number)}: ${items.map((item) => item.text).join("; ")}`),
    blocks,
  };
}

export function renderOverdueNudge(
  incident: { number: number },
  checklist: Checklist,
  item: { text: string },
  ownerId: string,
  minutes: number,
): SlackMessage {
  return {
    text: `:hourglass: ${mentionUser(ownerId)} overdue on ${incidentKey(incident.number)} (${escapeMrkdwn(checklist.label)}): *${escapeMrkdwn(item.text)}* was due within ${minutes} min of declaring. Tick it in the checklist above once done.`,
  };
}
