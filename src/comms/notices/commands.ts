import type { App } from "@slack/bolt";
import { findIncident, notFoundMessage } from "../../incidents/commands.ts";
import { isUuid } from "../../incidents/repository.ts";
import { splitIncidentReference } from "../../incidents/rules.ts";
import { defineSubcommand, type Subcommand } from "../../slack/command-router.ts";
import { escapeMrkdwn } from "../../slack/escape.ts";
import { withoutControlCharacters } from "../../shared/text.ts";
import type { SlackGateway } from "../../slack/gateway.ts";
import { readViewMetadata } from "../../slack/view-metadata.ts";
import {
  approveNotice,
  currentDraft,
  type NoticeDependencies,
  parsePhase,
  saveNoticeVersion,
} from "./service.ts";
import { type NoticePhase, noticePhases } from "./templates.ts";
import { noticeActionIds, noticeBlockIds, noticeCallbackId, noticeLimits, renderNoticeModal } from "./views.ts";

/** `/incident email [phase]`, the notice modal, and the Edit / Approve / Draft buttons. */

export interface NoticeCapability extends NoticeDependencies {
  slack: SlackGateway;
}

export function noticeSubcommands(capability: NoticeCapability): Subcommand<unknown>[] {
  const email = defineSubcommand<{ number?: number; phase?: string }>({
    name: "email",
    aliases: ["notice"],
    usage: `[INC-<n>] [${noticePhases.join("|")}]`,
    summary: "Drafts the customer notice for the current phase (or the one named) and opens it for editing.",
    parse: (rest) => {
      const { number, rest: phaseText } = splitIncidentReference(rest);
      if (phaseText && !(noticePhases as readonly string[]).includes(phaseText.toLowerCase())) {
        return { ok: false, error: `"${escapeMrkdwn(phaseText)}" is not a notice phase. Use one of: ${noticePhases.join(", ")}.` };
      }
      return { ok: true, value: { ...(number !== undefined ? { number } : {}), ...(phaseText ? { phase: phaseText } : {}) } };
    },
    run: async (args, context) => {
      const incident = await findIncident(capability.incidents, args.number, context.invocation.channelId);
      if (!incident || incident.phase !== "active") {
        await context.reply({ text: notFoundMessage(args.number) });
        return;
      }
      const phase = parsePhase(args.phase, incident)!;
      await context.openView(renderNoticeModal(incident, phase, await currentDraft(capability, incident, phase)));
    },
  });
  return [email];
}

export function registerNoticeInteractions(app: App, capability: NoticeCapability): void {
  const buttonValue = (body: unknown) => (body as { actions?: { value?: string }[] }).actions?.[0]?.value ?? "";

  app.action(noticeActionIds.draft, async ({ ack, body, client }) => {
    await ack();
    const incident = await capability.incidents.findById(buttonValue(body));
    if (!incident || !("trigger_id" in body)) return;
    const phase = parsePhase(undefined, incident)!;
    await client.views.open({
      trigger_id: body.trigger_id,
      view: renderNoticeModal(incident, phase, await currentDraft(capability, incident, phase)),
    });
  });

  app.action(noticeActionIds.edit, async ({ ack, body, client }) => {
    await ack();
    const noticeId = buttonValue(body);
    const notice = isUuid(noticeId) ? await capability.prisma.notice.findUnique({ where: { id: noticeId } }) : null;
    const incident = notice ? await capability.incidents.findById(notice.incidentId) : null;
    if (!notice || !incident || !("trigger_id" in body)) return;
    await client.views.open({
      trigger_id: body.trigger_id,
      view: renderNoticeModal(incident, notice.phase as NoticePhase, notice),
    });
  });

  app.view(noticeCallbackId, async ({ ack, body, view }) => {
    const subject = withoutControlCharacters(view.state.values[noticeBlockIds.subject]?.value?.value ?? "").trim();
    const text = withoutControlCharacters(view.state.values[noticeBlockIds.body]?.value?.value ?? "").trim();
    const errors: Record<string, string> = {};
    if (!subject) errors[noticeBlockIds.subject] = "The subject is empty.";
    if (subject.length > noticeLimits.subject) errors[noticeBlockIds.subject] = `Keep the subject to ${noticeLimits.subject} characters.`;
    if (!text) errors[noticeBlockIds.body] = "The email is empty.";
    if (text.length > noticeLimits.body) errors[noticeBlockIds.body] = `Keep the email to ${noticeLimits.body} characters.`;
    const metadata = readViewMetadata(view.private_metadata, ["incidentId", "phase"]);
    const { incidentId } = metadata;
    const phase = metadata.phase as NoticePhase | undefined;
    const incident = incidentId ? await capability.incidents.findById(incidentId) : null;
    if (!incident || !phase || !(noticePhases as readonly string[]).includes(phase)) {
      errors[noticeBlockIds.body] = "That incident no longer exists.";
    }
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: "errors", errors });
      return;
    }
    await ack();
    await saveNoticeVersion(capability, incident!, phase!, { subject, body: `${text}\n` }, body.user.id);
  });

  app.action(noticeActionIds.approve, async ({ ack, body, respond }) => {
    await ack();
    const result = await approveNotice(capability, buttonValue(body), body.user.id);
    if (!result.ok) {
      await respond({ response_type: "ephemeral", replace_original: false, text: result.error });
      return;
    }
    if (!result.newlyApproved) {
      await respond({
        response_type: "ephemeral",
        replace_original: false,
        text: "This version was already approved; here is its .eml file again.",
      });
    }
    if (result.incident.channelId) {
      await capability.slack
        .uploadFile(result.incident.channelId, {
          filename: result.filename,
          title: result.subject,
          content: result.eml,
          comment: "The approved notice as an .eml file.",
        })
        .catch(async (error: unknown) => {
          await respond({
            response_type: "ephemeral",
            replace_original: false,
            text: `The notice is approved, but uploading its .eml file failed (${escapeMrkdwn((error as Error).message)}). Press Approve again to retry the upload.`,
          });
        });
    }
  });
}

