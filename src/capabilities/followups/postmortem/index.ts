import type { IncidentWithRoles } from "../../../domain/incidents/repository.ts";
import { splitIncidentReference } from "../../../domain/incidents/rules.ts";
import type { TimerHandler, Transaction } from "../../../core/scheduler/types.ts";
import { defineSubcommand, type Subcommand } from "../../../adapters/slack/command-router.ts";
import { escapeMrkdwn } from "../../../adapters/slack/escape.ts";
import type { ActionPayload, Interaction, SlackRouter } from "../../../adapters/slack/router.ts";
import type { FollowUpCapability } from "../capability.ts";
import {
  createReviewReminderHandler,
  type DraftResult,
  draftPostmortem,
  prepareForReview,
  reviewReminderKind,
  setPostmortemOwner,
} from "./service.ts";
import {
  type DraftOutcome,
  incidentIdFromOwnerBlock,
  postmortemActionIds,
  postmortemFilename,
  renderDraftReply,
  renderNotResolvedReply,
  renderOwnerChosen,
} from "./views.ts";

/**
 * `/incident postmortem`, the "I'll own the postmortem" controls and the
 * review reminder.
 *
 * With GitHub off, the draft is uploaded to the incident channel as a `.md`
 * file rather than pasted into a message: a postmortem easily outgrows
 * Slack's 3,000-character sections, and a file's content is never read as
 * mrkdwn, so nothing in it can ping. Each run uploads the current draft (the
 * person asked for it); the upload is a direct call, not the outbox, as with
 * a notice's .eml.
 */

export function postmortemSubcommands(capability: FollowUpCapability): Subcommand<unknown>[] {
  const postmortem = defineSubcommand<{ number?: number }>({
    name: "postmortem",
    usage: "[INC-<n>]",
    summary: "Drafts the postmortem from the timeline and opens it as a GitHub issue (labelled postmortem).",
    parse: (rest) => {
      const { number, rest: extra } = splitIncidentReference(rest);
      if (extra) {
        return { ok: false, error: `\`/incident postmortem\` takes only an incident (e.g. INC-42), not "${escapeMrkdwn(extra)}".` };
      }
      return { ok: true, value: number !== undefined ? { number } : {} };
    },
    // The draft holds the whole timeline: only someone who may see the incident gets it.
    access: (args) => ({ kind: "incident", number: args.number, needs: "contribute" }),
    run: async (_args, context) => {
      const incident = context.incident!;
      if (incident.status !== "resolved") {
        await context.reply(renderNotResolvedReply(incident));
        return;
      }
      const result = await draftPostmortem(capability, incident, context.invocation.userId);
      await context.reply(renderDraftReply(incident, await deliverDraft(capability, incident, result)));
    },
  });
  return [postmortem];
}

async function deliverDraft(
  capability: FollowUpCapability,
  incident: IncidentWithRoles,
  result: DraftResult,
): Promise<DraftOutcome> {
  switch (result.kind) {
    case "queued":
    case "already_queued":
      return { kind: result.kind, channelId: incident.channelId };
    case "exists":
      return { kind: "exists", githubUrl: result.postmortem.githubUrl, githubNumber: result.postmortem.githubNumber };
    case "off": {
      if (!incident.channelId) return { kind: "no_channel" };
      const filename = postmortemFilename(incident);
      try {
        await capability.slack.uploadFile(incident.channelId, {
          filename,
          title: `INC-${incident.number} postmortem (draft)`,
          content: Buffer.from(result.markdown, "utf8"),
          comment: "📝 The postmortem draft, from the incident timeline. Fill in the root causes and review it together.",
        });
        return { kind: "uploaded", channelId: incident.channelId, filename };
      } catch (error) {
        capability.log.warn({ err: error, incident: incident.number }, "postmortem upload failed");
        return { kind: "upload_failed", channelId: incident.channelId, reason: (error as Error).message };
      }
    }
  }
}

export function registerPostmortemInteractions(router: SlackRouter, capability: FollowUpCapability): void {
  // Both controls sit on the owner question in the incident's channel; the incident is named in the
  // button's value or the picker's block id, and must be that channel's.
  const locate = (action: ActionPayload) => router.incidentById(action.id ?? incidentIdFromOwnerBlock(action.blockId));
  const takeOwner = async (incident: IncidentWithRoles, ownerId: string, interaction: Interaction) => {
    const changed = await setPostmortemOwner(capability, incident.id, ownerId);
    if (!changed) {
      await interaction.reply({ text: "That incident no longer exists." });
      return;
    }
    await interaction.replaceOriginal(
      renderOwnerChosen(
        changed.incident,
        { ownerId, reviewDueAt: changed.postmortem.reviewDueAt },
        interaction.userId,
        capability.playbook.followUps.timezone,
      ),
    );
  };

  router.action({
    actionId: postmortemActionIds.takeOwnership,
    origin: "incident-channel",
    locate,
    needs: () => "contribute",
    run: async ({ incident }, _action, interaction) => takeOwner(incident, interaction.userId, interaction),
  });

  router.action({
    actionId: postmortemActionIds.chooseOwner,
    origin: "incident-channel",
    locate,
    needs: () => "contribute",
    run: async ({ incident }, action, interaction) => {
      if (!action.selectedUser) return;
      await takeOwner(incident, action.selectedUser, interaction);
    },
  });
}

export function postmortemTimerHandlers(capability: FollowUpCapability): Record<string, TimerHandler> {
  return { [reviewReminderKind]: createReviewReminderHandler(capability) };
}

/** Runs inside the transaction that resolves an incident. */
export async function onIncidentResolved(
  capability: FollowUpCapability,
  tx: Transaction,
  incident: IncidentWithRoles,
  _actorId: string,
  now: Date,
): Promise<void> {
  await prepareForReview(capability, tx, incident, now);
}
