import type { Prisma } from "../../../generated/prisma/client.ts";
import { incidentKey, parseIncidentReference } from "../../../domain/incidents/rules.ts";
import type { Result } from "../../../core/result.ts";
import { defineSubcommand, type Subcommand } from "../../../adapters/slack/command-router.ts";
import { escapeMrkdwn, truncate } from "../../../adapters/slack/escape.ts";
import type { SlackMessage } from "../../../adapters/slack/gateway.ts";
import type { FollowUpCapability } from "../capability.ts";
import type { IncidentWithRoles } from "../../../domain/incidents/repository.ts";
import { byDueDate, listItems, overdueWhere, visibleItemsWhere } from "./queries.ts";
import { renderItemListMessage } from "./views.ts";

/**
 * `/incident actions [INC-<n>|mine|overdue|all]`, the quick view of follow-up work:
 *
 *  - no filter: the items of the incident whose channel this is (open and done,
 *    open first), or of `INC-<n>` when named; outside an incident channel
 *    without a reference it says how to ask instead;
 *  - `mine`: open items the caller owns, across every incident;
 *  - `overdue`: open items whose due day has ended in the playbook's
 *    follow-up timezone (`isOverdue`), across every incident, whoever owns them;
 *  - `all`: every open item across incidents.
 *
 * Lists are sorted soonest-due first and capped at `maxListed` items (an
 * ephemeral message allows 50 blocks); the rest are counted ("…and N more").
 * The reply is ephemeral: it is a lookup, not an announcement.
 */

export type ActionsFilter =
  | { kind: "incident"; number?: number }
  | { kind: "mine" }
  | { kind: "overdue" }
  | { kind: "all" };

export const maxListed = 40;
const filters = ["mine", "overdue", "all"] as const;

export function parseActionsFilter(rest: string): Result<ActionsFilter> {
  const words = rest.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { ok: true, value: { kind: "incident" } };
  const [word = ""] = words;
  if (words.length === 1) {
    const lower = word.toLowerCase();
    if ((filters as readonly string[]).includes(lower)) {
      return { ok: true, value: { kind: lower as (typeof filters)[number] } };
    }
    if (/^inc-\d+$/i.test(word)) return { ok: true, value: { kind: "incident", number: parseIncidentReference(word)! } };
  }
  return {
    ok: false,
    error: `"${escapeMrkdwn(truncate(rest.trim(), 80))}" is not a filter. Use \`mine\`, \`overdue\` or \`all\`, name an incident (\`INC-42\`), or give no filter in an incident channel.`,
  };
}

export async function listActionItems(
  capability: FollowUpCapability,
  filter: ActionsFilter,
  invocation: { userId: string; channelId: string },
  /** For the incident filter: the incident the router found and the policy allowed. */
  incident?: IncidentWithRoles,
): Promise<SlackMessage> {
  const now = capability.clock.now();
  const { timezone } = capability.playbook.followUps;
  const visible = await visibleItemsWhere(capability.prisma, capability.access, invocation.userId);
  const show = async (
    title: string,
    summary: string,
    empty: string,
    where: Prisma.ActionItemWhereInput,
    orderBy = byDueDate,
  ) =>
    renderItemListMessage({
      title,
      summary,
      empty,
      now,
      timezone,
      page: await listItems(capability.prisma, { AND: [where, visible] }, orderBy, maxListed),
      more: "Close some, or narrow the list: `/incident actions mine`.",
    });

  switch (filter.kind) {
    case "mine":
      return show("Your open action items", "open, owned by you", "You own no open action items. :tada:", {
        state: "open",
        ownerId: invocation.userId,
      });
    case "overdue":
      return show("Overdue action items", "overdue", "No action item is overdue. :tada:", overdueWhere(now, timezone));
    case "all":
      return show("Open action items", "open, across all incidents", "There are no open action items.", {
        state: "open",
      });
    case "incident": {
      if (!incident) throw new Error("the incident filter runs only with the incident the router found");
      const key = incidentKey(incident.number);
      // "open" sorts after "done": descending puts the open items first.
      return show(`Action items of ${key}`, `for ${key}`, `${key} has no action items yet. Add one with \`/incident action\`.`, { incidentId: incident.id }, [
        { state: "desc" },
        ...byDueDate,
      ]);
    }
  }
}

export function actionsSubcommand(capability: FollowUpCapability): Subcommand<unknown> {
  return defineSubcommand<ActionsFilter>({
    name: "actions",
    usage: "[INC-<n>|mine|overdue|all]",
    summary: "Lists action items: this incident's, yours, the overdue ones or all open ones.",
    parse: parseActionsFilter,
    access: (filter) =>
      filter.kind === "incident"
        ? {
            kind: "incident",
            number: filter.number,
            needs: "view",
            ...(filter.number === undefined
              ? { notFound: "This channel is not an incident channel. Name the incident (`/incident actions INC-42`) or use `/incident actions mine`, `overdue` or `all`." }
              : {}),
          }
        : { kind: "none", why: "lists only the items of incidents the person may see" },
    run: async (filter, context) => {
      await context.reply(await listActionItems(capability, filter, context.invocation, context.incident));
    },
  });
}
