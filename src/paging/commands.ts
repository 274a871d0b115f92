import type { App } from "@slack/bolt";
import type { Playbook } from "../config/playbook.ts";
import { findIncident, notFoundMessage } from "../incidents/commands.ts";
import { authorize } from "../incidents/permissions.ts";
import type { IncidentWithRoles } from "../incidents/repository.ts";
import { splitIncidentReference } from "../incidents/rules.ts";
import {
  type CommandContext,
  defineSubcommand,
  type Parsed,
  type Subcommand,
} from "../slack/command-router.ts";
import { escapeMrkdwn, parseUserMention } from "../slack/escape.ts";
import type { SlackGateway } from "../slack/gateway.ts";
import {
  acknowledgePage,
  assignRole,
  type PageResult,
  type PagingDependencies,
  pagePerson,
  pageRole,
} from "./escalation.ts";
import { renderPlaybookSummary } from "./playbook-summary.ts";
import { pagingActionIds, renderPageAcknowledged } from "./views.ts";

/** `/incident page`, `/incident role`, `/incident playbook`, and the Acknowledge button. */

export interface PagingCapability extends PagingDependencies {
  slack: SlackGateway;
}

/** `ic`, `comms-lead`, `Comms_Lead` → the playbook's role id. */
export function parseRole(word: string, playbook: Playbook): Parsed<string> {
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

  async function onIncident(
    context: CommandContext,
    number: number | undefined,
    act: (incident: IncidentWithRoles) => Promise<PageResult>,
  ): Promise<void> {
    const incident = await findIncident(capability.incidents, number, context.invocation.channelId);
    if (!incident || incident.phase !== "active") {
      await context.reply({ text: notFoundMessage(number) });
      return;
    }
    const result = await act(incident);
    await context.reply({ text: result.ok ? result.message : result.error });
  }

  const page = defineSubcommand<PageArgs>({
    name: "page",
    usage: "[INC-<n>] <role|@person> [message]",
    summary:
      "Pages a role (through its escalation policy) or a person, with an Acknowledge button.",
    parse: (rest) => {
      const { number, rest: afterReference } = splitIncidentReference(rest);
      const [first = "", ...words] = afterReference.split(/\s+/);
      const ref = number !== undefined ? { number } : {};
      const message = words.join(" ").trim();
      if (message.length > 500)
        return { ok: false, error: "Keep the page message to 500 characters." };
      const userId = parseUserMention(first);
      if (userId) return { ok: true, value: { ...ref, target: { userId }, message } };
      const role = parseRole(first, playbook);
      if (!role.ok)
        return {
          ok: false,
          error: `${role.error} Or mention a person: \`/incident page @alice\`.`,
        };
      return { ok: true, value: { ...ref, target: { role: role.value }, message } };
    },
    run: async (args, context) =>
      onIncident(context, args.number, (incident) =>
        "role" in args.target
          ? pageRole(capability, incident, args.target.role)
          : pagePerson(
              capability,
              incident,
              args.target.userId,
              args.message,
              context.invocation.userId,
            ),
      ),
  });

  const role = defineSubcommand<{ number?: number; role: string; userId: string }>({
    name: "role",
    usage: "[INC-<n>] <role> @person",
    summary: "Assigns a role directly (and stops paging for it).",
    parse: (rest) => {
      const { number, rest: afterReference } = splitIncidentReference(rest);
      const [roleWord = "", mention = "", ...extra] = afterReference.split(/\s+/);
      const parsedRole = parseRole(roleWord, playbook);
      if (!parsedRole.ok) return parsedRole;
      const userId = parseUserMention(mention);
      if (!userId || extra.length > 0)
        return { ok: false, error: "Mention exactly one person, e.g. `@alice`." };
      return {
        ok: true,
        value: { ...(number !== undefined ? { number } : {}), role: parsedRole.value, userId },
      };
    },
    run: async (args, context) =>
      onIncident(context, args.number, async (incident) => {
        const allowed = authorize(playbook, incident, context.invocation.userId, "assignRoles");
        if (!allowed.ok) return allowed;
        const result = await assignRole(
          capability,
          incident,
          args.role,
          args.userId,
          context.invocation.userId,
        );
        if (result.ok && incident.channelId)
          await inviteQuietly(capability.slack, incident.channelId, args.userId);
        return result;
      }),
  });

  const playbookCommand = defineSubcommand<Record<string, never>>({
    name: "playbook",
    usage: "",
    summary: "Shows who gets paged for what, and who is on call now.",
    parse: (rest) =>
      rest === ""
        ? { ok: true, value: {} }
        : { ok: false, error: "`playbook` takes no arguments." },
    run: async (_args, context) => {
      await context.reply(renderPlaybookSummary(playbook, capability.clock.now()));
    },
  });

  return [page, role, playbookCommand];
}

export function registerPagingInteractions(app: App, capability: PagingCapability): void {
  app.action(pagingActionIds.acknowledge, async ({ ack, body, respond }) => {
    await ack();
    const pageId = (body as { actions?: { value?: string }[] }).actions?.[0]?.value ?? "";
    const result = await acknowledgePage(capability, pageId, body.user.id);
    if (!result.ok) {
      await respond({ response_type: "ephemeral", replace_original: false, text: result.error });
      return;
    }
    if (result.incident.channelId)
      await inviteQuietly(capability.slack, result.incident.channelId, body.user.id);
    await respond({
      replace_original: true,
      ...renderPageAcknowledged(result.incident, result.role, capability.playbook),
    });
  });
}

/** Joining the channel is a convenience: a failure must not undo the acknowledgement. */
async function inviteQuietly(
  slack: SlackGateway,
  channelId: string,
  userId: string,
): Promise<void> {
  await slack.inviteToChannel(channelId, [userId]).catch(() => undefined);
}
