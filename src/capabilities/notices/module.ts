import type { ModuleFactory } from "../module.ts";
import { type NoticeCapability, noticeSubcommands, registerNoticeInteractions } from "./commands.ts";
import { createNoticeMailer } from "./mailer.ts";
import {
  createNoticeDeadlineHandler,
  createNoticeSendHandler,
  draftFirstNotice,
  draftResolvedNotice,
  noticeDeadlineKind,
  noticeSendKind,
  scheduleNoticeDeadline,
} from "./service.ts";
import { loadNoticeTemplates, noticesDirFor } from "./templates.ts";

/**
 * Customer notices: drafted from templates, edited and approved in Slack,
 * exported as .eml or sent by SMTP. The approval deadline starts when an
 * incident starts; the "resolved" draft is written when it is resolved.
 */
export const noticesModule: ModuleFactory = (core) => {
  const capability: NoticeCapability = {
    ...core,
    // Loaded and checked here, while the bot starts: a broken template is a startup error.
    templates: loadNoticeTemplates(noticesDirFor(core.config.playbookFile)),
    ...(core.config.smtp ? { mailer: createNoticeMailer(core.config.smtp) } : {}),
  };
  return {
    name: "notices",
    subcommands: noticeSubcommands(capability),
    interactions: (router) => registerNoticeInteractions(router, capability),
    timers: {
      [noticeDeadlineKind]: createNoticeDeadlineHandler(capability),
      [noticeSendKind]: createNoticeSendHandler(capability),
    },
    subscribe: (events) => {
      events.on("incident.activated", async (tx, { incident, at }) => {
        await scheduleNoticeDeadline(tx, incident, core.playbook, at);
        await draftFirstNotice(capability, tx, incident, at);
      });
      events.on("incident.resolved", (tx, { incident, actorId, at }) => draftResolvedNotice(capability, tx, incident, actorId, at));
    },
  };
};
