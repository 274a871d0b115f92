import type { App } from "@slack/bolt";
import { findIncident, notFoundMessage } from "../../incidents/commands.ts";
import type { IncidentWithRoles } from "../../incidents/repository.ts";
import { splitIncidentReference } from "../../incidents/rules.ts";
import type { TimerHandler, Transaction } from "../../scheduler/types.ts";
import { defineSubcommand, type Subcommand } from "../../slack/command-router.ts";
import { escapeMrkdwn } from "../../slack/escape.ts";
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
    run: async (args, context) => {
      const incident = await findIncident(capability.incidents, args.number, context.invocation.channelId);
      if (!incident || incident.phase !== "active") {
        await context.reply({ text: notFoundMessage(args.number) });
        return;
      }
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

export function registerPostmortemInteractions(app: App, capability: FollowUpCapability): void {
  const takeOwner = async (
    body: unknown,
    ownerId: string | undefined,
    respond: (message: Record<string, unknown>) => Promise<unknown>,
    chosenBy: string,
  ) => {
    const action = (body as { actions?: { block_id?: string; value?: string }[] }).actions?.[0];
    const incidentId = action?.value ?? incidentIdFromOwnerBlock(action?.block_id);
    if (!incidentId || !ownerId) return;
    const changed = await setPostmortemOwner(capability, incidentId, ownerId);
    if (!changed) {
      await respond({ response_type: "ephemeral", replace_original: false, text: "That incident no longer exists." });
      return;
    }
    await respond({
      replace_original: true,
      ...renderOwnerChosen(
        changed.incident,
        { ownerId, reviewDueAt: changed.postmortem.reviewDueAt },
        chosenBy,
        capability.playbook.followUps.timezone,
      ),
    });
  };

  app.action(postmortemActionIds.takeOwnership, async ({ ack, body, respond }) => {
    await ack();
    await takeOwner(body, body.user.id, respond, body.user.id);
  });

  app.action(postmortemActionIds.chooseOwner, async ({ ack, body, respond }) => {
    await ack();
    const selected = (body as { actions?: { selected_user?: string }[] }).actions?.[0]?.selected_user;
    await takeOwner(body, selected, respond, body.user.id);
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
