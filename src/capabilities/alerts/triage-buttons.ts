import type { SlackRouter } from "../../adapters/slack/router.ts";
import { incidentKey } from "../../domain/incidents/rules.ts";
import { isUuid } from "../../domain/incidents/repository.ts";
import type { AlertGroup } from "../../generated/prisma/client.ts";
import { type AlertsDependencies, declareFromGroup, dismissGroup, snoozeGroup } from "./groups.ts";
import { triageActionIds } from "./views.ts";

/**
 * Declare, Dismiss and Snooze on a triage message. The router checks that
 * the button came from the channel the message was posted in and asks the
 * access policy (`decideTriage`) before any of these run.
 */
export function registerTriageButtons(router: SlackRouter, deps: AlertsDependencies): void {
  const locate = async (action: { id?: string | undefined }) => {
    const group = action.id && isUuid(action.id) ? await deps.prisma.alertGroup.findUnique({ where: { id: action.id } }) : null;
    if (!group?.triageChannelId) return null;
    return { group, channelId: group.triageChannelId };
  };
  const gone = "That alert is no longer waiting for a decision.";

  router.triageAction<{ group: AlertGroup; channelId: string }>({
    actionId: triageActionIds.declare,
    gone,
    locate,
    run: async ({ group }, _action, interaction) => {
      const declared = await declareFromGroup(deps, group, interaction.userId);
      await interaction.reply({
        text: declared.ok
          ? `Declaring ${incidentKey(declared.value.number)} (${group.severity}); its channel follows in a moment. You are its incident commander.`
          : declared.error,
      });
    },
  });
  router.triageAction<{ group: AlertGroup; channelId: string }>({
    actionId: triageActionIds.dismiss,
    gone,
    locate,
    run: async ({ group }, _action, interaction) => {
      const dismissed = await dismissGroup(deps, group, interaction.userId);
      await interaction.reply({ text: dismissed.ok ? dismissed.value : dismissed.error });
    },
  });
  router.triageAction<{ group: AlertGroup; channelId: string }>({
    actionId: triageActionIds.snooze,
    gone,
    locate,
    run: async ({ group }, _action, interaction) => {
      const snoozed = await snoozeGroup(deps, group, interaction.userId);
      await interaction.reply({ text: snoozed.ok ? snoozed.value : snoozed.error });
    },
  });
}
