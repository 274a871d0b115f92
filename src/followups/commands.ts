import type { App } from "@slack/bolt";
import { findIncident, notFoundMessage } from "../incidents/commands.ts";
import { defineSubcommand, type Subcommand } from "../slack/command-router.ts";
import {
  type ActionItemInput,
  completeActionItem,
  createActionItem,
  markActionItemDoneActionId,
  parseActionItemArgs,
  replyForCreated,
} from "./action-items.ts";
import type { FollowUpCapability } from "./capability.ts";

/** `/incident action <text> [@owner] [due:YYYY-MM-DD]`. */
export function actionItemSubcommands(capability: FollowUpCapability): Subcommand<unknown>[] {
  const action = defineSubcommand<ActionItemInput>({
    name: "action",
    usage: "[INC-<n>] <text> [@owner] [due:YYYY-MM-DD]",
    summary: "Adds a follow-up action item; it becomes a GitHub issue when GitHub is set up.",
    parse: parseActionItemArgs,
    run: async (args, context) => {
      const incident = await findIncident(capability.incidents, args.number, context.invocation.channelId);
      if (!incident || incident.phase !== "active") {
        await context.reply({ text: notFoundMessage(args.number) });
        return;
      }
      const created = await createActionItem(capability, incident, {
        text: args.text,
        createdBy: context.invocation.userId,
        ...(args.ownerId ? { ownerId: args.ownerId } : {}),
        ...(args.dueOn ? { dueOn: args.dueOn } : {}),
      });
      await context.reply({ text: replyForCreated(incident, created) });
    },
  });
  return [action];
}

/** The Mark done button on an action item. */
export function registerActionItemInteractions(app: App, capability: FollowUpCapability): void {
  app.action(markActionItemDoneActionId, async ({ ack, body, respond }) => {
    await ack();
    const itemId = (body as { actions?: { value?: string }[] }).actions?.[0]?.value ?? "";
    const result = await completeActionItem(capability, itemId, body.user.id);
    const text = !result.ok
      ? result.error
      : result.changed
        ? result.item.githubState === "off"
          ? "Marked done."
          : "Marked done; its GitHub issue will be closed."
        : "That action item was already done.";
    await respond({ response_type: "ephemeral", replace_original: false, text });
  });
}
