import type { Playbook } from "../../core/config/playbook.ts";
import { err, ok, type Result } from "../../core/result.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { type IncidentRepository, type IncidentWithRoles, isUuid } from "../../domain/incidents/repository.ts";
import { isPerson } from "../../domain/incidents/actors.ts";
import { incidentKey } from "../../domain/incidents/rules.ts";
import { appendTimeline } from "../../domain/incidents/timeline.ts";
import { scheduleTimerOnce } from "../../core/scheduler/timers.ts";
import type { TimerHandler, Transaction } from "../../core/scheduler/types.ts";
import type { Clock } from "../../core/clock.ts";
import { doneWithPost, enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import { composeEml } from "./eml.ts";
import type { NoticeMailer } from "./mailer.ts";
import { type NoticePhase, type NoticeTemplates, noticePhases } from "./templates.ts";
import { noticeVariablesFor } from "./variables.ts";
import { renderNoticeApproved, renderNoticeDraft, renderNoticeNudge } from "./views.ts";

/**
 * Customer notices: drafted from the phase's template with the incident's
 * facts, edited in Slack, saved as versions (never overwritten), approved by
 * the comms lead, the IC or the playbook's approvers, and exported as .eml.
 */

export const noticeDeadlineKind = "notice.deadline";

export interface NoticeDependencies {
  prisma: PrismaClient;
  incidents: IncidentRepository;
  playbook: Playbook;
  templates: NoticeTemplates;
  clock: Clock;
  wake(): void;
  /** Present when SMTP sending is configured. */
  mailer?: NoticeMailer;
}

export const noticeSendKind = "notice.send";

type Incident = IncidentWithRoles;

export function parsePhase(input: string | undefined, incident: { status: string }): NoticePhase | undefined {
  const wanted = (input ?? "").trim().toLowerCase() || incident.status;
  return (noticePhases as readonly string[]).includes(wanted) ? (wanted as NoticePhase) : undefined;
}

/** The text to edit: the latest version of this phase, or a fresh rendering of its template. */
export async function currentDraft(deps: NoticeDependencies, incident: Incident, phase: NoticePhase) {
  const latest = await deps.prisma.notice.findFirst({
    where: { incidentId: incident.id, phase },
    orderBy: { version: "desc" },
  });
  if (latest) return { subject: latest.subject, body: latest.body, version: latest.version };
  return { ...(await renderFromTemplate(deps, deps.prisma, incident, phase)) };
}

/** Renders the phase's template; `db` may be a transaction, for use inside one. */
export async function renderFromTemplate(
  deps: Pick<NoticeDependencies, "playbook" | "templates" | "clock">,
  db: Transaction,
  incident: Incident,
  phase: NoticePhase,
) {
  const lastPublic = await db.timelineEvent.findFirst({
    where: { incidentId: incident.id, kind: "status_update", data: { path: ["public"], equals: true } },
    orderBy: { occurredAt: "desc" },
  });
  const lastPublicUpdate = (lastPublic?.data as { message?: string } | undefined)?.message;
  return deps.templates[phase].render(
    noticeVariablesFor(incident, deps.playbook, {
      now: deps.clock.now(),
      phase,
      ...(lastPublicUpdate ? { lastPublicUpdate } : {}),
    }),
  );
}

/** Adds a version inside a transaction and posts it for review. */
export async function addNoticeVersion(
  tx: Transaction,
  incident: { id: string; number: number; channelId: string | null },
  phase: NoticePhase,
  text: { subject: string; body: string },
  createdBy: string,
  now: Date,
) {
  const latest = await tx.notice.findFirst({ where: { incidentId: incident.id, phase }, orderBy: { version: "desc" } });
  const notice = await tx.notice.create({
    data: { incidentId: incident.id, phase, version: (latest?.version ?? 0) + 1, ...text, createdBy, createdAt: now },
  });
  await appendTimeline(tx, {
    incidentId: incident.id,
    kind: "notice_drafted",
    // The bot's own first draft has no person behind it.
    actorId: isPerson(createdBy) ? createdBy : null,
    at: now,
    data: { phase, version: notice.version, noticeId: notice.id },
  });
  if (incident.channelId) {
    await enqueueSlackPost(
      tx,
      { key: `notice:${notice.id}:draft`, channelId: incident.channelId, message: renderNoticeDraft(incident, notice), incidentId: incident.id },
      now,
    );
  }
  return notice;
}

export async function saveNoticeVersion(
  deps: NoticeDependencies,
  incident: Incident,
  phase: NoticePhase,
  text: { subject: string; body: string },
  userId: string,
) {
  const now = deps.clock.now();
  const notice = await deps.prisma.$transaction((tx) => addNoticeVersion(tx, incident, phase, text, userId, now));
  deps.wake();
  return notice;
}

export interface ApprovedNotice {
  incident: Incident;
  eml: Buffer;
  filename: string;
  subject: string;
  newlyApproved: boolean;
}

export async function approveNotice(deps: NoticeDependencies, noticeId: string, userId: string): Promise<Result<ApprovedNotice>> {
  const notice = isUuid(noticeId) ? await deps.prisma.notice.findUnique({ where: { id: noticeId } }) : null;
  if (!notice) return err("That notice no longer exists.");
  // Who may approve was decided by the access policy ("approveNotice") before this ran.
  const incident = (await deps.incidents.findById(notice.incidentId))!;
  const now = deps.clock.now();
  const approved = notice.approvedAt ? false : await deps.prisma.$transaction(async (tx) => {
    const updated = await tx.notice.updateMany({ where: { id: notice.id, approvedAt: null }, data: { approvedBy: userId, approvedAt: now } });
    if (updated.count === 0) return false;
    await appendTimeline(tx, {
      incidentId: incident.id,
      kind: "notice_approved",
      actorId: userId,
      at: now,
      data: { phase: notice.phase, version: notice.version, noticeId: notice.id },
    });
    if (deps.mailer) {
      await scheduleTimerOnce(
        tx,
        { kind: noticeSendKind, key: `notice-send:${notice.id}`, dueAt: now, payload: { noticeId: notice.id, incidentId: incident.id } },
        now,
      );
    }
    if (incident.channelId) {
      await enqueueSlackPost(
        tx,
        { key: `notice:${notice.id}:approved`, channelId: incident.channelId, message: renderNoticeApproved(incident, { ...notice, approvedBy: userId }), incidentId: incident.id },
        now,
      );
    }
    return true;
  });
  if (approved) deps.wake();
  // Approving an approved version only exports it again: the approval stays as recorded.
  const eml = await composeEml({
    from: deps.playbook.customerNotices.from,
    subject: notice.subject,
    body: notice.body,
    date: notice.approvedAt ?? now,
    messageId: `<notice-${notice.id}@incident-bot>`,
  });
  return ok({
    incident,
    eml,
    filename: `${incidentKey(incident.number)}-${notice.phase}-v${notice.version}.eml`,
    subject: notice.subject,
    newlyApproved: approved,
  });
}

/** On activation, for severities that require a notice: the approval deadline. */
export async function scheduleNoticeDeadline(
  tx: Transaction,
  incident: { id: string; severity: string; declaredAt: Date },
  playbook: Playbook,
  now: Date,
): Promise<void> {
  if (!playbook.severities[incident.severity]?.customerNoticeRequired) return;
  await scheduleTimerOnce(
    tx,
    {
      kind: noticeDeadlineKind,
      key: `notice-deadline:${incident.id}`,
      dueAt: new Date(incident.declaredAt.getTime() + playbook.customerNotices.deadlineMinutes * 60_000),
      payload: { incidentId: incident.id },
    },
    now,
  );
}

/** Nudges the comms lead and the IC, once, if nothing was approved in time. */
export function createNoticeDeadlineHandler(deps: NoticeDependencies): TimerHandler {
  return async (timer, { now }) => {
    const incident = await deps.incidents.findById(String(timer.payload.incidentId));
    if (!incident?.channelId || incident.status === "resolved") return { kind: "done" };
    const approved = await deps.prisma.notice.count({ where: { incidentId: incident.id, approvedAt: { not: null } } });
    if (approved > 0) return { kind: "done" };
    const people = [
      ...new Set(
        incident.roles.filter((role) => role.role === "comms_lead" || role.role === "incident_commander").map((role) => role.userId),
      ),
    ];
    return doneWithPost(
      {
        key: `notice-nudge:${incident.id}`,
        channelId: incident.channelId,
        message: renderNoticeNudge(incident, people, deps.playbook.customerNotices.deadlineMinutes),
        incidentId: incident.id,
      },
      now,
    );
  };
}

/** Who `createdBy` names when the bot drafted a notice itself (on declaration). */
export const botDrafter = "incident-bot";

/**
 * On activation, for severities that require a customer notice: the first
 * notice is drafted from the incident's current phase's template at once and
 * posted in the channel with Approve and Edit, for the comms lead or the IC
 * (docs/NOTICES.md). The deadline nudge still follows for a draft nobody
 * approves. Private incidents tell no customers, so they get no draft.
 */
export async function draftFirstNotice(
  deps: Pick<NoticeDependencies, "playbook" | "templates" | "clock">,
  tx: Transaction,
  incident: Incident,
  now: Date,
): Promise<void> {
  if (incident.isPrivate || !deps.playbook.severities[incident.severity]?.customerNoticeRequired) return;
  const phase = parsePhase(undefined, incident) ?? "investigating";
  const existing = await tx.notice.count({ where: { incidentId: incident.id } });
  if (existing > 0) return;
  const text = await renderFromTemplate(deps, tx, incident, phase);
  await addNoticeVersion(tx, incident, phase, text, botDrafter, now);
}

/** When an incident is resolved, the "resolved" notice is drafted for review. */
export async function draftResolvedNotice(
  deps: Pick<NoticeDependencies, "playbook" | "templates" | "clock">,
  tx: Transaction,
  incident: Incident,
  actorId: string,
  now: Date,
): Promise<void> {
  if (incident.isPrivate) return;
  const text = await renderFromTemplate(deps, tx, incident, "resolved");
  await addNoticeVersion(tx, incident, "resolved", text, actorId, now);
}

/** Sends an approved notice by mail; failures are retried by the timer engine. */
export function createNoticeSendHandler(deps: NoticeDependencies): TimerHandler {
  return async (timer, { now }) => {
    const notice = await deps.prisma.notice.findUnique({ where: { id: String(timer.payload.noticeId) } });
    if (!notice?.approvedAt || !deps.mailer) return { kind: "done" };
    await deps.mailer.send({
      from: deps.playbook.customerNotices.from,
      subject: notice.subject,
      text: notice.body,
      messageId: `<notice-${notice.id}@incident-bot>`,
      date: notice.approvedAt,
    });
    const incident = await deps.incidents.findById(notice.incidentId);
    const channelId = incident?.channelId;
    return {
      kind: "done",
      effects: async (tx) => {
        if (!channelId) return;
        await enqueueSlackPost(
          tx,
          {
            key: `notice:${notice.id}:sent`,
            channelId,
            message: { text: `:outbox_tray: Customer notice *${notice.phase}* v${notice.version} was sent to ${deps.mailer!.recipients.length} recipient(s).` },
            incidentId: notice.incidentId,
          },
          now,
        );
      },
    };
  };
}
