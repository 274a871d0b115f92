import { findIncident, notFoundMessage } from "../incidents/commands.ts";
import { defineSubcommand, type Subcommand } from "../slack/command-router.ts";
import { type ActionItemInput, createActionItem, parseActionItemArgs, replyForCreated } from "./action-items.ts";
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
