import { isPerson } from "../../domain/incidents/actors.ts";
import type { KnownBlock, View } from "@slack/types";
import { sharedButtonIds } from "../../domain/incidents/buttons.ts";
import { incidentKey } from "../../domain/incidents/rules.ts";
import { escapeMrkdwn, mentionUser, truncate } from "../../adapters/slack/escape.ts";
import { formModal, input } from "../../adapters/slack/forms.ts";
import type { SlackMessage } from "../../adapters/slack/gateway.ts";
import type { NoticePhase } from "./templates.ts";

export const noticeActionIds = {
  draft: sharedButtonIds.draftNotice,
  edit: "notice_edit",
  approve: "notice_approve",
} as const;

export const noticeCallbackId = "notice_edit";
export const noticeBlockIds = { subject: "subject", body: "body" } as const;

export const noticeLimits = { subject: 200, body: 2800 } as const;

export function renderNoticeModal(
  incident: { id: string; number: number },
  phase: NoticePhase,
  draft: { subject: string; body: string; version?: number },
): View {
  return formModal({
    callbackId: noticeCallbackId,
    privateMetadata: JSON.stringify({ incidentId: incident.id, phase }),
    title: "Customer notice",
    submit: "Save draft",
    blocks: [
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `${incidentKey(incident.number)} · phase *${phase}* · ${draft.version ? `editing version ${draft.version}` : "new draft from the template"}. Saving adds a version; nothing is overwritten.`,
          },
        ],
      },
      input({
        blockId: noticeBlockIds.subject,
        label: "Subject",
        element: {
          type: "plain_text_input",
          initial_value: truncate(draft.subject, noticeLimits.subject),
          max_length: noticeLimits.subject,
        },
      }),
      input({
        blockId: noticeBlockIds.body,
        label: "Email body",
        element: {
          type: "plain_text_input",
          multiline: true,
          initial_value: truncate(draft.body, noticeLimits.body),
          max_length: noticeLimits.body,
        },
      }),
    ],
  });
}

function preview(notice: { subject: string; body: string }): string {
  return truncate(`*${escapeMrkdwn(notice.subject)}*\n${escapeMrkdwn(notice.body)}`, 2900);
}

/** The comms lead, else the IC, else the roles by name (an incident an alert declared has no one yet). */
function reviewersOf(incident: { roles?: readonly { role: string; userId: string }[] }): string {
  const holders = (role: string) => (incident.roles ?? []).filter((held) => held.role === role).map((held) => mentionUser(held.userId));
  const comms = holders("comms_lead");
  if (comms.length > 0) return `For ${comms.join(", ")}`;
  const commander = holders("incident_commander");
  if (commander.length > 0) return `For ${commander.join(", ")}`;
  return "For the comms lead or the incident commander, once one of them takes the role";
}

export function renderNoticeDraft(
  incident: { number: number; roles?: readonly { role: string; userId: string }[] },
  notice: { id: string; phase: string; version: number; subject: string; body: string; createdBy: string },
): SlackMessage {
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: isPerson(notice.createdBy)
          ? `:envelope: Customer notice *${notice.phase}* v${notice.version} for ${incidentKey(incident.number)}, drafted by ${mentionUser(notice.createdBy)}. Review, edit, approve:`
          : `:envelope: Customer notice *${notice.phase}* v${notice.version} for ${incidentKey(incident.number)}, drafted from the template as the incident was declared. ${reviewersOf(incident)}: review, edit, approve:`,
      },
    },
    { type: "section", text: { type: "mrkdwn", text: preview(notice) } },
    {
      type: "actions",
      elements: [
        { type: "button", action_id: noticeActionIds.edit, text: { type: "plain_text", text: "Edit" }, value: notice.id },
        {
          type: "button",
          action_id: noticeActionIds.approve,
          style: "primary",
          text: { type: "plain_text", text: "Approve" },
          value: notice.id,
        },
      ],
    },
  ];
  return { text: `Customer notice ${notice.phase} v${notice.version} drafted for ${incidentKey(incident.number)}: ${escapeMrkdwn(notice.subject)}`, blocks };
}

export function renderNoticeApproved(
  incident: { number: number },
  notice: { phase: string; version: number; subject: string; body: string; approvedBy: string },
): SlackMessage {
  return {
    // The fallback text is read as mrkdwn too (notifications, clients without blocks), so the
    // subject people typed is escaped like the preview: `<!channel>` in it must not ping.
    text: `Customer notice ${notice.phase} v${notice.version} for ${incidentKey(incident.number)} approved by ${mentionUser(notice.approvedBy)}: ${escapeMrkdwn(notice.subject)}`,
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `:white_check_mark: Customer notice *${notice.phase}* v${notice.version} approved by ${mentionUser(notice.approvedBy)}. Its .eml file is in this channel, ready for any mail tool.`,
        },
      },
      { type: "section", text: { type: "mrkdwn", text: preview(notice) } },
    ],
  };
}

export function renderNoticeNudge(incident: { number: number }, userIds: string[], minutes: number): SlackMessage {
  return {
    text: `:hourglass: ${userIds.map(mentionUser).join(" ")} no customer notice for ${incidentKey(incident.number)} is approved yet, ${minutes} minutes after declaring. Draft one with \`/incident email\`.`,
  };
}
