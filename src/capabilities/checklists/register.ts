import type { SlackRouter } from "../../adapters/slack/router.ts";
import { applyChecklistSelection, type ChecklistDependencies } from "./checklists.ts";
import { checklistActionIds } from "./views.ts";

/** Ticking or unticking a checklist box in the incident channel. */
export function registerChecklistInteractions(router: SlackRouter, deps: ChecklistDependencies): void {
  router.action({
    actionId: checklistActionIds.toggle,
    // The checklist is posted in the incident channel; the incident is that channel's.
    origin: "incident-channel",
    locate: (_action, channelId) => router.incidentOfChannel(channelId),
    needs: () => "contribute",
    run: async ({ incident }, action, interaction) => {
      const checklistId = action.blockId?.replace(/^checklist:/, "");
      if (!checklistId) return;
      await applyChecklistSelection(deps, incident.id, checklistId, action.selectedOptions, interaction.userId);
    },
  });
}
