import { defineSubcommand, type Subcommand } from "../../adapters/slack/command-router.ts";
import type { SlackRouter } from "../../adapters/slack/router.ts";
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
    access: (args) => ({ kind: "incident", number: args.number, needs: "contribute" }),
    run: async (args, context) => {
      const incident = context.incident!;
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

/** The Mark done button on an action item, in its incident's channel. */
export function registerActionItemInteractions(router: SlackRouter, capability: FollowUpCapability): void {
  router.action({
    actionId: markActionItemDoneActionId,
    origin: "incident-channel",
    locate: async (action) => {
      const item = action.id ? await capability.prisma.actionItem.findUnique({ where: { id: action.id } }) : null;
      const incident = item ? await capability.incidents.findById(item.incidentId) : null;
      return item && incident ? { incident, itemId: item.id } : null;
    },
    needs: () => "contribute",
    gone: "That action item no longer exists.",
    run: async ({ itemId }, _action, interaction) => {
      const result = await completeActionItem(capability, itemId, interaction.userId);
      const text = !result.ok
        ? result.error
        : result.value.changed
          ? result.value.item.githubState === "off"
            ? "Marked done."
            : "Marked done; its GitHub issue will be closed."
          : "That action item was already done.";
      await interaction.reply({ text });
    },
  });
}
