import type { ChannelMembership } from "../../adapters/slack/membership.ts";
import type { Playbook } from "../../core/config/playbook.ts";
import { incidentKey } from "../../domain/incidents/rules.ts";
import { err, ok, type Result } from "../../core/result.ts";
import {
  type CommandContext,
  defineSubcommand,
  type Subcommand,
  withIncidentReference,
} from "../../adapters/slack/command-router.ts";
import { escapeMrkdwn, parseUserMention } from "../../adapters/slack/escape.ts";
import type { SlackGateway } from "../../adapters/slack/gateway.ts";
import type { SlackRouter } from "../../adapters/slack/router.ts";
import {
  acknowledgePage,
  assignRole,
  type PagingDependencies,
  pagePerson,
  pageRole,
} from "./escalation.ts";
import { renderPlaybookSummary } from "./playbook-summary.ts";
import { pagingActionIds, renderPageAcknowledged } from "./views.ts";

/** `/incident page`, `/incident role`, `/incident playbook`, and the Acknowledge button. */

export interface PagingCapability extends PagingDependencies {
  slack: SlackGateway;
  membership: ChannelMembership;
}

/** `ic`, `comms-lead`, `Comms_Lead` → the playbook's role id. */
export function parseRole(word: string, playbook: Playbook): Result<string> {
  const normalized = word.trim().toLowerCase().replaceAll("-", "_");
  const role = normalized === "ic" ? "incident_commander" : normalized;
  if (role in playbook.roles) return { ok: true, value: role };
  return {
    ok: false,
    error: `"${escapeMrkdwn(word || "(empty)")}" is not a role. Roles: ${Object.keys(playbook.roles).join(", ")}.`,
  };
}

type PageArgs = { number?: number; target: { role: string } | { userId: string }; message: string };

export function pagingSubcommands(capability: PagingCapability): Subcommand<unknown>[] {
  const { playbook } = capability;

  async function answer(context: CommandContext, result: Result<string>): Promise<void> {
    await context.reply({ text: result.ok ? result.value : result.error });
  }

  const page = defineSubcommand<PageArgs>({
    name: "page",
    usage: "[INC-<n>] <role|@person> [message]",
    summary:
      "Pages a role (through its escalation policy) or a person, with an Acknowledge button.",
    parse: (rest) =>
      withIncidentReference(rest, (afterReference): Result<Omit<PageArgs, "number">> => {
        const [first = "", ...words] = afterReference.split(/\s+/);
        const message = words.join(" ").trim();
        if (message.length > 500) return err("Keep the page message to 500 characters.");
        const userId = parseUserMention(first);
        if (userId) return ok({ target: { userId }, message });
        const role = parseRole(first, playbook);
        if (!role.ok) return err(`${role.error} Or mention a person: \`/incident page @alice\`.`);
        return ok({ target: { role: role.value }, message });
      }),
    access: (args) => ({ kind: "incident", number: args.number, needs: "contribute" }),
    run: async (args, context) => {
      const incident = context.incident!;
      if ("role" in args.target) {
        await answer(context, await pageRole(capability, incident, args.target.role));
        return;
      }
      // Acknowledging a page invites the person into the channel, so a page must not be a way into a
      // private incident: only people already inside it can be paged by hand.
      if (incident.isPrivate && !(await context.access.canSee(incident, args.target.userId))) {
        await context.reply({
          text: `${incidentKey(incident.number)} is private, and <@${args.target.userId}> is not in it. Add them with \`/incident role\` (incident commander) or invite them to the channel first; pages by role follow the playbook.`,
        });
        return;
      }
      await answer(
        context,
        await pagePerson(capability, incident, args.target.userId, args.message, context.invocation.userId),
      );
    },
  });

  const role = defineSubcommand<{ number?: number; role: string; userId: string }>({
    name: "role",
    usage: "[INC-<n>] <role> @person",
    summary: "Assigns a role directly (and stops paging for it).",
    parse: (rest) =>
      withIncidentReference(rest, (afterReference): Result<{ role: string; userId: string }> => {
        const [roleWord = "", mention = "", ...extra] = afterReference.split(/\s+/);
        const parsedRole = parseRole(roleWord, playbook);
        if (!parsedRole.ok) return parsedRole;
        const userId = parseUserMention(mention);
        if (!userId || extra.length > 0) return err("Mention exactly one person, e.g. `@alice`.");
        return ok({ role: parsedRole.value, userId });
      }),
    access: (args) => ({ kind: "incident", number: args.number, needs: "assignRoles" }),
    run: async (args, context) => {
      const incident = context.incident!;
      const result = await assignRole(capability, incident, args.role, args.userId, context.invocation.userId);
      if (result.ok && incident.channelId) await inviteQuietly(capability, incident.channelId, args.userId);
      await answer(context, result);
    },
  });

  const playbookCommand = defineSubcommand<Record<string, never>>({
    name: "playbook",
    usage: "",
    summary: "Shows who gets paged for what, and who is on call now.",
    parse: (rest) =>
      rest === ""
        ? { ok: true, value: {} }
        : { ok: false, error: "`playbook` takes no arguments." },
    access: () => ({ kind: "none", why: "shows the playbook, which names no incident" }),
    run: async (_args, context) => {
      await context.reply(renderPlaybookSummary(playbook, capability.clock.now()));
    },
  });

  return [page, role, playbookCommand];
}

export function registerPagingInteractions(router: SlackRouter, capability: PagingCapability): void {
  router.action({
    actionId: pagingActionIds.acknowledge,
    // A page is a DM to one person; only they may answer it (the policy's "answerPage").
    origin: "addressee",
    locate: async (action) => {
      const page = action.id ? await capability.prisma.page.findUnique({ where: { id: action.id } }) : null;
      const incident = page ? await capability.incidents.findById(page.incidentId) : null;
      return page && incident ? { incident, addressee: page.userId, byHand: page.role === "" } : null;
    },
    // A page by hand into a private incident was only allowed to someone inside it; someone who has
    // left since must not be let back in by acknowledging the old DM.
    needs: ({ incident, byHand }) => (incident.isPrivate && byHand ? ["answerPage", "view"] : "answerPage"),
    gone: "That page no longer exists.",
    run: async ({ incident }, action, interaction) => {
      const result = await acknowledgePage(capability, action.id!, interaction.userId);
      if (!result.ok) {
        await interaction.reply({ text: result.error });
        return;
      }
      if (incident.channelId) await inviteQuietly(capability, incident.channelId, interaction.userId);
      await interaction.replaceOriginal(renderPageAcknowledged(result.value.incident, result.value.role, capability.playbook));
    },
  });
}

/** Joining the channel is a convenience: a failure must not undo the acknowledgement. */
async function inviteQuietly(capability: PagingCapability, channelId: string, userId: string): Promise<void> {
  await capability.slack.inviteToChannel(channelId, [userId]).catch(() => undefined);
  capability.membership.forget(channelId);
}
