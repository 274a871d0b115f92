import type { Playbook } from "../../core/config/playbook.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { IncidentRepository, IncidentWithRoles } from "../../domain/incidents/repository.ts";
import { incidentKey } from "../../domain/incidents/rules.ts";
import { sharedButtonIds } from "../../domain/incidents/buttons.ts";
import { cadenceFor } from "./reminders.ts";
import type { TimerHandler } from "../../core/scheduler/types.ts";
import { escapeMrkdwn, mentionUser } from "../../adapters/slack/escape.ts";
import type { SlackMessage } from "../../adapters/slack/gateway.ts";
import { enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import { describeElapsed, reminderAudience, snoozeMinutes } from "./schedule.ts";

/**
 * The update-reminder timer: one per incident, rescheduled after each run.
 * Its Slack message goes through the outbox under a key derived from the
 * incident's last update and the reminder's number, so a re-run of the same
 * reminder (after a crash or a lost lease) can never post it twice.
 */
export function createUpdateReminderHandler(deps: {
  prisma: PrismaClient;
  incidents: IncidentRepository;
  playbook: Playbook;
}): TimerHandler {
  return async (timer, { now }) => {
    const incident = await deps.incidents.findById(String(timer.payload.incidentId));
    if (!incident || incident.status === "resolved" || !incident.channelId) return { kind: "done" };
    const cadence = cadenceFor(deps.playbook, incident.severity);
    if (cadence === null) return { kind: "done" };

    const lastActivity = incident.lastUpdateAt ?? incident.declaredAt;
    const reminderNumber = incident.remindersSinceUpdate + 1;
    const audience = reminderAudience(reminderNumber, incident.roles);
    const next = new Date(now.getTime() + cadence * 60_000);
    const channelId = incident.channelId;
    return {
      kind: "reschedule",
      at: next,
      effects: async (tx) => {
        await tx.incident.update({
          where: { id: incident.id },
          data: { remindersSinceUpdate: { increment: 1 } },
        });
        if (!audience) return;
        await enqueueSlackPost(
          tx,
          {
            key: `reminder:${incident.id}:${lastActivity.getTime()}:${reminderNumber}`,
            channelId,
            message: renderReminder(
              incident,
              audience,
              reminderNumber,
              describeElapsed(lastActivity.getTime(), now.getTime()),
            ),
            incidentId: incident.id,
          },
          now,
        );
      },
    };
  };
}

export function renderReminder(
  incident: IncidentWithRoles,
  audience: { userId: string; escalated: boolean },
  reminderNumber: number,
  elapsed: string,
): SlackMessage {
  const key = incidentKey(incident.number);
  const text = audience.escalated
    ? `:rotating_light: ${mentionUser(audience.userId)} escalating: no update on *${key}* for ${elapsed}; ${reminderNumber - 1} reminders went unanswered. Please post an update now.`
    : `:alarm_clock: ${mentionUser(audience.userId)} it has been ${elapsed} since the last update on *${key}* (${incident.severity}). Please post an update.`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text } },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `${escapeMrkdwn(incident.title)} · \`/incident update <status> <message>\``,
          },
        ],
      },
      {
        type: "actions",
        elements: [
          {
            type: "button",
            action_id: sharedButtonIds.postUpdate,
            style: "primary",
            text: { type: "plain_text", text: "Post update" },
            value: incident.id,
          },
          {
            type: "button",
            action_id: sharedButtonIds.snoozeReminder,
            text: { type: "plain_text", text: `Snooze ${snoozeMinutes} min` },
            value: incident.id,
          },
        ],
      },
    ],
  };
}
