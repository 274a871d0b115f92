import { escapeMrkdwn } from "../../adapters/slack/escape.ts";
import type { SlackRouter } from "../../adapters/slack/router.ts";
import type { Clock } from "../../core/clock.ts";
import { sharedButtonIds } from "../../domain/incidents/buttons.ts";
import { incidentKey } from "../../domain/incidents/rules.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { snoozeReminder } from "./reminders.ts";
import { snoozeMinutes } from "./schedule.ts";

/** The reminder's "Snooze" button, in the incident channel. */
export function registerReminderInteractions(
  router: SlackRouter,
  deps: { prisma: PrismaClient; clock: Clock },
): void {
  router.incidentButton({
    actionId: sharedButtonIds.snoozeReminder,
    needs: "contribute",
    run: async ({ incident }, _action, interaction) => {
      const result = await snoozeReminder(deps, incident, snoozeMinutes);
      const minutesLeft = result.ok ? Math.round((result.value.getTime() - deps.clock.now().getTime()) / 60_000) : 0;
      await interaction.reply({
        text: result.ok
          ? `Snoozed: the next update reminder for ${incidentKey(incident.number)} comes in ${minutesLeft} minutes.`
          : escapeMrkdwn(result.error),
      });
    },
  });
}
