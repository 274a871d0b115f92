import type { KnownBlock } from "@slack/types";
import { DateTime } from "luxon";
import { incidentKey } from "../../../domain/incidents/rules.ts";
import { cancelTimer, findTimer, scheduleTimer, scheduleTimerOnce } from "../../../core/scheduler/timers.ts";
import type { TimerHandler } from "../../../core/scheduler/types.ts";
import { escapeMrkdwn, mentionUser, truncate } from "../../../adapters/slack/escape.ts";
import type { SlackGateway, SlackMessage } from "../../../adapters/slack/gateway.ts";
import { enqueueSlackPost } from "../../../adapters/slack/outbox.ts";
import { isOverdue } from "../action-items.ts";
import type { FollowUpCapability } from "../capability.ts";
import { computeIncidentTimes, computeWeekMetrics, formatMinutes, type IncidentTimes } from "./metrics.ts";
import type { ItemWithIncident } from "./queries.ts";
import { currentOccurrence, digestWindow, isoWeekKey, nextDigestAt } from "./schedule.ts";
import { context, describeItemLine, header, section, sectionTextLimit } from "./views.ts";

/**
 * The weekly digest for managers, posted to `followUps.digest.channel` at
 * `weekday`/`time` in `followUps.timezone`: the incidents declared in the 7
 * days before it (with duration, MTTA and MTTR, defined in metrics.ts) and
 * the open and overdue action items grouped by owner.
 *
 * Delivery is one durable timer (`followups:digest`) that posts through the
 * Slack outbox under a key per ISO week, so a retried or duplicated run posts
 * once, and reschedules itself for the next week in the same commit.
 */

export const digestTimerKind = "followups.digest";
export const digestTimerKey = "followups:digest";

/** Open items read for one digest; a team with more has bigger problems than a truncated digest. */
const maxItemsRead = 5_000;
const maxIncidentSections = 10;
const maxOwnerSections = 25;
const maxLinesPerOwner = 10;

export interface DigestIncident {
  number: number;
  title: string;
  severity: string;
  times: IncidentTimes;
}

export interface DigestData {
  window: { from: Date; to: Date };
  timezone: string;
  now: Date;
  incidents: DigestIncident[];
  openItems: ItemWithIncident[];
}

export async function loadDigestData(
  capability: FollowUpCapability,
  window: { from: Date; to: Date },
  now: Date,
): Promise<DigestData> {
  const [incidents, openItems] = await Promise.all([
    capability.prisma.incident.findMany({
      // The digest goes to a shared channel: private incidents stay out of it, as they stay
      // off the announcement channel and the status page.
      where: { declaredAt: { gte: window.from, lt: window.to }, phase: { not: "declaring" }, isPrivate: false },
      orderBy: { number: "asc" },
      include: {
        timeline: {
          where: { kind: { in: ["declared", "acknowledged", "resolved", "reopened"] } },
          select: { kind: true, occurredAt: true },
        },
      },
    }),
    capability.prisma.actionItem.findMany({
      where: { state: "open", incident: { isPrivate: false } },
      orderBy: [{ dueOn: { sort: "asc", nulls: "last" } }, { createdAt: "asc" }],
      take: maxItemsRead,
      include: { incident: { select: { number: true, title: true, channelId: true } } },
    }),
  ]);
  return {
    window,
    timezone: capability.playbook.followUps.timezone,
    now,
    incidents: incidents.map((incident) => ({
      number: incident.number,
      title: incident.title,
      severity: incident.severity,
      times: computeIncidentTimes({ declaredAt: incident.declaredAt, timeline: incident.timeline }),
    })),
    openItems,
  };
}

/** Lines packed into as few sections as fit 3,000 characters each, at most `maxSections`. */
function packLines(lines: string[], maxSections: number): KnownBlock[] {
  const texts: string[] = [];
  let current = "";
  let packed = 0;
  for (const line of lines) {
    const next = current ? `${current}\n${line}` : line;
    if (next.length <= sectionTextLimit) {
      current = next;
      packed += 1;
      continue;
    }
    if (texts.length + 1 >= maxSections) break;
    texts.push(current);
    current = truncate(line, sectionTextLimit);
    packed += 1;
  }
  if (current) texts.push(current);
  const blocks = texts.map(section);
  if (packed < lines.length) blocks.push(context(`…and ${lines.length - packed} more.`));
  return blocks;
}

function incidentLine(incident: DigestIncident, timezone: string): string {
  const { times } = incident;
  const declared = DateTime.fromJSDate(times.declaredAt, { zone: timezone }).toFormat("ccc d LLL HH:mm");
  const duration = times.minutesToResolve === undefined ? "ongoing" : `resolved in ${formatMinutes(times.minutesToResolve)}`;
  const ack =
    times.minutesToAcknowledge === undefined ? "no acknowledgement" : `acknowledged in ${formatMinutes(times.minutesToAcknowledge)}`;
  const title = escapeMrkdwn(truncate(incident.title, 200));
  return `• *${incidentKey(incident.number)}* ${escapeMrkdwn(incident.severity.toUpperCase())} · ${title} · declared ${declared} · ${duration} · ${ack}`;
}

interface OwnerGroup {
  ownerId: string | null;
  open: ItemWithIncident[];
  overdue: ItemWithIncident[];
}

/** Owners with overdue items first (most overdue first), then by open count; nobody's items last. */
export function groupItemsByOwner(items: readonly ItemWithIncident[], now: Date, timezone: string): OwnerGroup[] {
  const groups = new Map<string | null, OwnerGroup>();
  for (const item of items) {
    const group = groups.get(item.ownerId) ?? { ownerId: item.ownerId, open: [], overdue: [] };
    group.open.push(item);
    if (isOverdue(item, now, timezone)) group.overdue.push(item);
    groups.set(item.ownerId, group);
  }
  return [...groups.values()].sort(
    (a, b) =>
      Number(a.ownerId === null) - Number(b.ownerId === null) ||
      b.overdue.length - a.overdue.length ||
      b.open.length - a.open.length ||
      (a.ownerId ?? "").localeCompare(b.ownerId ?? ""),
  );
}

function ownerSection(group: OwnerGroup, now: Date, timezone: string): KnownBlock {
  const who = group.ownerId ? mentionUser(group.ownerId) : "No owner";
  const counts = `${group.open.length} open${group.overdue.length > 0 ? ` · ${group.overdue.length} overdue` : ""}`;
  // Overdue first; the owner is in the heading, so each line leaves it out.
  const ordered = [...group.overdue, ...group.open.filter((item) => !group.overdue.includes(item))];
  const lines = ordered
    .slice(0, maxLinesPerOwner)
    .map((item) => `• ${describeItemLine({ ...item, ownerId: null }, now, timezone)}`);
  if (ordered.length > maxLinesPerOwner) lines.push(`• …and ${ordered.length - maxLinesPerOwner} more`);
  return section(`*${who}* · ${counts}\n${lines.join("\n")}`);
}

/**
 * The digest message. Pure. At most 3 + 1 + 10 + 1 + 1 + 1 + 25 + 1 = 43
 * blocks, under the 50 a message allows.
 */
export function renderDigest(data: DigestData): SlackMessage {
  const zone = (date: Date) => DateTime.fromJSDate(date, { zone: data.timezone });
  const from = zone(data.window.from);
  const to = zone(data.window.to);
  const metrics = computeWeekMetrics(data.incidents.map((incident) => incident.times));
  const mtta =
    metrics.mtta === undefined ? "—" : `${formatMinutes(metrics.mtta)} (${metrics.acknowledged} acknowledged)`;
  const mttr = metrics.mttr === undefined ? "—" : `${formatMinutes(metrics.mttr)} (${metrics.resolved} resolved)`;
  const groups = groupItemsByOwner(data.openItems, data.now, data.timezone);
  const overdue = groups.reduce((sum, group) => sum + group.overdue.length, 0);
  const title = `Weekly incident digest · ${from.toFormat("d LLL")} – ${to.toFormat("d LLL yyyy")}`;
  const summary = `*Incidents:* ${metrics.incidents} · *MTTA:* ${mtta} · *MTTR:* ${mttr}\n*Action items:* ${data.openItems.length} open · ${overdue} overdue`;

  const blocks: KnownBlock[] = [
    header(title),
    context(
      `Incidents declared from ${from.toFormat("ccc d LLL HH:mm")} to ${to.toFormat("ccc d LLL HH:mm")} (${data.timezone}). MTTA: mean time from declared to first acknowledgement; MTTR: mean time from declared to resolved.`,
    ),
    section(summary),
    { type: "divider" },
    header("Incidents of the week"),
  ];
  if (data.incidents.length === 0) blocks.push(section("No incidents were declared this week. :tada:"));
  else blocks.push(...packLines(data.incidents.map((incident) => incidentLine(incident, data.timezone)), maxIncidentSections));

  blocks.push({ type: "divider" }, header("Open action items by owner"));
  if (groups.length === 0) blocks.push(section("No open action items."));
  for (const group of groups.slice(0, maxOwnerSections)) blocks.push(ownerSection(group, data.now, data.timezone));
  if (groups.length > maxOwnerSections) {
    blocks.push(context(`…and ${groups.length - maxOwnerSections} more owners. \`/incident actions all\` lists every open item.`));
  }
  const text = `${title}: ${metrics.incidents} incidents, MTTA ${mtta}, MTTR ${mttr}, ${data.openItems.length} open action items (${overdue} overdue).`;
  return { text, blocks };
}

/** `C0123…` as is; `#name` looked up. A missing channel fails the run visibly (logged, retried, then alerted). */
export async function resolveDigestChannel(slack: SlackGateway, channel: string): Promise<string> {
  if (/^[CG][A-Z0-9]{2,}$/.test(channel)) return channel;
  const id = await slack.findChannelIdByName(channel);
  if (!id) {
    throw new Error(
      `the digest channel ${channel} was not found: invite the bot to it, or set followUps.digest.channel to the channel's ID (C…)`,
    );
  }
  return id;
}

export function createDigestHandler(capability: FollowUpCapability): TimerHandler {
  return async (timer, { now }) => {
    const digest = capability.playbook.followUps.digest;
    // Digest removed from the playbook since this was scheduled: stop.
    if (!digest) return { kind: "done" };
    const { timezone } = capability.playbook.followUps;
    const occurrence = currentOccurrence(timer.dueAt, now, digest, timezone);
    let channelId: string;
    try {
      channelId = await resolveDigestChannel(capability.slack, digest.channel);
    } catch (error) {
      capability.log.error({ err: error, channel: digest.channel }, "weekly digest channel not found");
      throw error;
    }
    const message = renderDigest(await loadDigestData(capability, digestWindow(occurrence, timezone), now));
    return {
      kind: "reschedule",
      at: nextDigestAt(occurrence, digest, timezone),
      effects: (tx) => enqueueSlackPost(tx, { key: `digest:${isoWeekKey(occurrence, timezone)}`, channelId, message }, now),
      afterCommit: () => capability.wake(),
    };
  };
}

/**
 * Called at startup. Creates the digest timer at the next occurrence, or
 * brings an existing one in line with the playbook: moved if the weekday or
 * time changed, revived if it had failed for good (e.g. the channel was
 * missing and has since been fixed), cancelled if the digest was removed. A
 * pending timer already due is left alone so a missed digest still posts.
 */
export async function scheduleDigest(capability: FollowUpCapability): Promise<void> {
  const now = capability.clock.now();
  const digest = capability.playbook.followUps.digest;
  await capability.prisma.$transaction(async (tx) => {
    const existing = await findTimer(tx, digestTimerKey);
    if (!digest) {
      if (existing) await cancelTimer(tx, digestTimerKey, now);
      return;
    }
    const spec = {
      kind: digestTimerKind,
      key: digestTimerKey,
      dueAt: nextDigestAt(now, digest, capability.playbook.followUps.timezone),
    };
    if (!existing) {
      await scheduleTimerOnce(tx, spec, now);
      return;
    }
    if (existing.state === "running") return;
    const stale = existing.state !== "pending";
    const moved = existing.state === "pending" && existing.dueAt > now && existing.dueAt.getTime() !== spec.dueAt.getTime();
    if (stale || moved) await scheduleTimer(tx, spec, now);
  });
}
