import type { App } from "@slack/bolt";
import { applyChecklistSelection, type ChecklistDependencies } from "./checklists.ts";
import { checklistActionIds } from "./views.ts";

/** Ticking or unticking a checklist box in the incident channel. */
export function registerChecklistInteractions(app: App, deps: ChecklistDependencies): void {
  app.action(checklistActionIds.toggle, async ({ ack, body }) => {
    await ack();
    const action = (
      body as { actions?: { block_id?: string; selected_options?: { value: string }[] }[] }
    ).actions?.[0];
    const channelId = (body as { channel?: { id?: string } }).channel?.id;
    const checklistId = action?.block_id?.replace(/^checklist:/, "");
    if (!action || !channelId || !checklistId) return;
    const incident = await deps.incidents.findByChannel(channelId);
    if (!incident) return;
    await applyChecklistSelection(
      deps,
      incident.id,
      checklistId,
      (action.selected_options ?? []).map((option) => option.value),
      body.user.id,
    );
  });
}
