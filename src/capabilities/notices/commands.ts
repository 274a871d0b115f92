import { err, ok, type Result } from "../../core/result.ts";
import { defineSubcommand, type Subcommand, withIncidentReference } from "../../adapters/slack/command-router.ts";
import { escapeMrkdwn } from "../../adapters/slack/escape.ts";
import { withoutControlCharacters } from "../../core/text.ts";
import type { SlackGateway } from "../../adapters/slack/gateway.ts";
import { type ActionPayload, type FieldErrors, formFields } from "../../adapters/slack/payload.ts";
import type { SlackRouter } from "../../adapters/slack/router.ts";
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
    parse: (rest) =>
      withIncidentReference(rest, (phaseText): Result<{ phase?: string }> => {
        if (phaseText && !(noticePhases as readonly string[]).includes(phaseText.toLowerCase())) {
          return err(`"${escapeMrkdwn(phaseText)}" is not a notice phase. Use one of: ${noticePhases.join(", ")}.`);
        }
        return ok(phaseText ? { phase: phaseText } : {});
      }),
    // The draft carries the incident's title: only someone who may see the incident gets it.
    access: (args) => ({ kind: "incident", number: args.number, needs: "contribute" }),
    run: async (args, context) => {
      const incident = context.incident!;
      const phase = parsePhase(args.phase, incident)!;
      await context.openView(renderNoticeModal(incident, phase, await currentDraft(capability, incident, phase)));
    },
  });
  return [email];
}

export function registerNoticeInteractions(router: SlackRouter, capability: NoticeCapability): void {
  const noticeOfButton = async (action: ActionPayload) => {
    const notice = action.id ? await capability.prisma.notice.findUnique({ where: { id: action.id } }) : null;
    const incident = notice ? await capability.incidents.findById(notice.incidentId) : null;
    return notice && incident ? { incident, notice } : null;
  };

  router.incidentButton({
    actionId: noticeActionIds.draft,
    needs: "contribute",
    run: async ({ incident }, _action, interaction) => {
      const phase = parsePhase(undefined, incident)!;
      await interaction.openView(renderNoticeModal(incident, phase, await currentDraft(capability, incident, phase)));
    },
  });

  router.action({
    actionId: noticeActionIds.edit,
    origin: "incident-channel",
    locate: noticeOfButton,
    needs: () => "contribute",
    gone: "That notice no longer exists.",
    run: async ({ incident, notice }, _action, interaction) => {
      await interaction.openView(renderNoticeModal(incident, notice.phase as NoticePhase, notice));
    },
  });

  router.view({
    callbackId: noticeCallbackId,
    refusalBlock: noticeBlockIds.body,
    read: (values): Result<{ subject: string; body: string }, FieldErrors> => {
      const fields = formFields(values);
      const text = (block: string) => withoutControlCharacters(fields.text(block) ?? "").trim();
      const subject = text(noticeBlockIds.subject);
      const body = text(noticeBlockIds.body);
      const errors: FieldErrors = {};
      if (!subject) errors[noticeBlockIds.subject] = "The subject is empty.";
      if (subject.length > noticeLimits.subject) errors[noticeBlockIds.subject] = `Keep the subject to ${noticeLimits.subject} characters.`;
      if (!body) errors[noticeBlockIds.body] = "The email is empty.";
      if (body.length > noticeLimits.body) errors[noticeBlockIds.body] = `Keep the email to ${noticeLimits.body} characters.`;
      return Object.keys(errors).length > 0 ? err(errors) : ok({ subject, body });
    },
    about: {
      locate: async (fields) => {
        const phase = fields.phase as NoticePhase | undefined;
        if (!phase || !(noticePhases as readonly string[]).includes(phase)) return null;
        const located = await router.incidentById(fields.incidentId);
        return located ? { ...located, phase } : null;
      },
      needs: () => "contribute" as const,
    },
    timing: "after-ack",
    run: async (input, { incident, phase }, interaction) => {
      await saveNoticeVersion(capability, incident, phase, { subject: input.subject, body: `${input.body}\n` }, interaction.userId);
    },
  });

  router.action({
    actionId: noticeActionIds.approve,
    origin: "incident-channel",
    locate: noticeOfButton,
    needs: () => "approveNotice",
    gone: "That notice no longer exists.",
    run: async ({ notice }, _action, interaction) => {
      const result = await approveNotice(capability, notice.id, interaction.userId);
      if (!result.ok) {
        await interaction.reply({ text: result.error });
        return;
      }
      if (!result.value.newlyApproved) {
        await interaction.reply({ text: "This version was already approved; here is its .eml file again." });
      }
      if (result.value.incident.channelId) {
        await capability.slack
          .uploadFile(result.value.incident.channelId, {
            filename: result.value.filename,
            title: result.value.subject,
            content: result.value.eml,
            comment: "The approved notice as an .eml file.",
          })
          .catch(async (error: unknown) => {
            await interaction.reply({
              text: `The notice is approved, but uploading its .eml file failed (${escapeMrkdwn((error as Error).message)}). Press Approve again to retry the upload.`,
            });
          });
      }
    },
  });
}
