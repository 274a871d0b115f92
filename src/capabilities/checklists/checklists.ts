import type { Playbook } from "../../core/config/playbook.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { appendTimeline } from "../../domain/incidents/timeline.ts";
import type { IncidentRepository } from "../../domain/incidents/repository.ts";
import { cancelTimer, scheduleTimerOnce } from "../../core/scheduler/timers.ts";
import type { TimerHandler, Transaction } from "../../core/scheduler/types.ts";
import type { Clock } from "../../core/clock.ts";
import { enqueueSlackPost } from "../../adapters/slack/outbox.ts";
import { renderChecklist, renderOverdueNudge } from "./views.ts";

/**
 * Activation checklists: what each team does as soon as the plan is
 * activated, with deadlines counted from the declaration. Each item is a row;
 * each deadline is a durable timer that nudges the team's owner once if the
 * item is still open. Ticking a box records who and when on the timeline and
 * cancels the item's deadline.
 */

export const checklistDeadlineKind = "checklist.deadline";

export interface ChecklistDependencies {
  prisma: PrismaClient;
  incidents: IncidentRepository;
  playbook: Playbook;
  clock: Clock;
}

function deadlineKey(incidentId: string, checklist: string, itemId: string): string {
  return `checklist-deadline:${incidentId}:${checklist}:${itemId}`;
}

export function checklistsFor(playbook: Playbook, severity: string) {
  return Object.entries(playbook.checklists).filter(
    ([, checklist]) => !checklist.severities || checklist.severities.includes(severity),
  );
}

function ownerOf(roles: { role: string; userId: string }[], role: string): string | undefined {
  return (
    roles.find((assignment) => assignment.role === role)?.userId ??
    roles.find((assignment) => assignment.role === "incident_commander")?.userId
  );
}

/** Posts the checklists and starts their deadlines, inside the activation transaction. */
export async function startChecklists(
  tx: Transaction,
  incident: {
    id: string;
    number: number;
    severity: string;
    channelId: string | null;
    declaredAt: Date;
    roles: { role: string; userId: string }[];
  },
  playbook: Playbook,
  now: Date,
): Promise<void> {
  if (!incident.channelId) return;
  for (const [checklistId, checklist] of checklistsFor(playbook, incident.severity)) {
    const items = checklist.items.map((item) => ({
      incidentId: incident.id,
      checklist: checklistId,
      itemId: item.id,
      text: item.text,
      deadlineAt: new Date(incident.declaredAt.getTime() + item.deadlineMinutes * 60_000),
    }));
    await tx.checklistItem.createMany({ data: items, skipDuplicates: true });
    for (const item of items) {
      await scheduleTimerOnce(
        tx,
        {
          kind: checklistDeadlineKind,
          key: deadlineKey(incident.id, checklistId, item.itemId),
          dueAt: item.deadlineAt,
          payload: { incidentId: incident.id, checklist: checklistId, itemId: item.itemId },
        },
        now,
      );
    }
    await enqueueSlackPost(
      tx,
      {
        key: `checklist:${incident.id}:${checklistId}`,
        channelId: incident.channelId,
        message: renderChecklist(
          incident,
          checklistId,
          checklist,
          ownerOf(incident.roles, checklist.owner),
          items.map((item) => ({ ...item, completedAt: null })),
        ),
        incidentId: incident.id,
      },
      now,
    );
  }
}

export function createChecklistDeadlineHandler(deps: ChecklistDependencies): TimerHandler {
  return async (timer, { now }) => {
    const {
      incidentId,
      checklist: checklistId,
      itemId,
    } = timer.payload as { incidentId: string; checklist: string; itemId: string };
    const item = await deps.prisma.checklistItem.findUnique({
      where: { incidentId_checklist_itemId: { incidentId, checklist: checklistId, itemId } },
    });
    const incident = await deps.incidents.findById(incidentId);
    const checklist = deps.playbook.checklists[checklistId];
    if (
      !item ||
      item.completedAt ||
      item.nudgedAt ||
      !incident?.channelId ||
      incident.status === "resolved" ||
      !checklist
    ) {
      return { kind: "done" };
    }
    const owner = ownerOf(incident.roles, checklist.owner);
    const minutes = checklist.items.find((spec) => spec.id === itemId)?.deadlineMinutes ?? 0;
    const channelId = incident.channelId;
    return {
      kind: "done",
      effects: async (tx) => {
        await tx.checklistItem.update({
          where: { incidentId_checklist_itemId: { incidentId, checklist: checklistId, itemId } },
          data: { nudgedAt: now },
        });
        await appendTimeline(tx, {
          incidentId,
          kind: "checklist_item_overdue",
          actorId: null,
          at: now,
          data: { checklist: checklistId, itemId, owner: owner ?? null },
        });
        if (owner) {
          await enqueueSlackPost(
            tx,
            {
              key: `checklist-nudge:${incidentId}:${checklistId}:${itemId}`,
              channelId,
              message: renderOverdueNudge(incident, checklist, item, owner, minutes),
              incidentId,
            },
            now,
          );
        }
      },
    };
  };
}

/**
 * Applies the state of one checklist's checkboxes as Slack sends it (the
 * selected options): newly ticked items are completed, unticked ones
 * reopened. Returns the number of items that changed.
 */
export async function applyChecklistSelection(
  deps: ChecklistDependencies,
  incidentId: string,
  checklistId: string,
  selectedItemIds: string[],
  userId: string,
): Promise<number> {
  const now = deps.clock.now();
  return deps.prisma.$transaction(async (tx) => {
    const items = await tx.checklistItem.findMany({
      where: { incidentId, checklist: checklistId },
    });
    let changed = 0;
    for (const item of items) {
      const ticked = selectedItemIds.includes(item.itemId);
      if (ticked === (item.completedAt !== null)) continue;
      changed += 1;
      await tx.checklistItem.update({
        where: {
          incidentId_checklist_itemId: { incidentId, checklist: checklistId, itemId: item.itemId },
        },
        data: ticked
          ? { completedAt: now, completedBy: userId }
          : { completedAt: null, completedBy: null },
      });
      await appendTimeline(tx, {
        incidentId,
        kind: ticked ? "checklist_item_completed" : "checklist_item_reopened",
        actorId: userId,
        at: now,
        data: { checklist: checklistId, itemId: item.itemId, text: item.text, onTime: now <= item.deadlineAt },
      });
      if (ticked) await cancelTimer(tx, deadlineKey(incidentId, checklistId, item.itemId), now);
    }
    return changed;
  });
}
