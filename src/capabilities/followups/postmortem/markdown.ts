import { DateTime } from "luxon";
import { escapeForGitHub, safeLinkForGitHub } from "../../../adapters/github/text.ts";
import { incidentKey } from "../../../domain/incidents/rules.ts";

/**
 * The postmortem draft as GitHub-flavoured Markdown: facts in, text out.
 * Pure, so it is tested directly. Everything a person typed is escaped, so a
 * title like `<!channel>` or `@org/everyone` neither renders as HTML nor
 * mentions anyone on GitHub; only the people the bot names on purpose
 * (GitHub logins from the playbook) are mentioned.
 */

export interface PostmortemFacts {
  incident: {
    number: number;
    title: string;
    severity: string;
    status: string;
    summary: string;
    components: readonly string[];
    customerImpact: boolean;
    declaredAt: Date;
    acknowledgedAt: Date | null;
    resolvedAt: Date | null;
    resolutionSummary: string | null;
  };
  roles: readonly { role: string; userId: string }[];
  /** In any order: the renderer sorts by time (stable, so ties keep the given order). */
  timeline: readonly { kind: string; actorId: string | null; occurredAt: Date; data: unknown }[];
  actionItems: readonly {
    text: string;
    ownerId: string | null;
    dueOn: Date | null;
    state: string;
    githubState: string;
    githubNumber: number | null;
    githubUrl: string | null;
  }[];
  ownerId: string | null;
  reviewDueAt: Date | null;
  /** IANA zone every time is shown in (playbook.followUps.timezone). */
  timezone: string;
  severityDescription?: string;
  roleLabel(role: string): string;
  /** How a Slack user is named in the document (a GitHub mention when mapped). */
  person(userId: string): string;
}

/** GitHub rejects issue bodies over 65,536 characters; leave room for the outbox's marker. */
export const postmortemMaxChars = 60_000;
const eventTextMax = 500;

export function renderPostmortemMarkdown(facts: PostmortemFacts): string {
  const { incident } = facts;
  const at = (date: Date) => formatTime(date, facts.timezone);
  const resolved = facts.timeline.filter((event) => event.kind === "resolved").at(-1);

  const header = [
    `# ${incidentKey(incident.number)} postmortem: ${escapeMarkdown(inline(incident.title))}`,
    "",
    `- **Severity:** ${escapeMarkdown(incident.severity)}`,
    `- **Declared:** ${at(incident.declaredAt)}`,
    `- **Resolved:** ${incident.resolvedAt ? at(incident.resolvedAt) : `not yet (status: ${escapeMarkdown(incident.status)})`}`,
    ...facts.roles.map((role) => `- **${escapeMarkdown(facts.roleLabel(role.role))}:** ${facts.person(role.userId)}`),
    `- **Postmortem owner:** ${facts.ownerId ? facts.person(facts.ownerId) : "_not chosen yet_"}`,
    ...(facts.reviewDueAt ? [`- **Review due:** ${at(facts.reviewDueAt)}`] : []),
    "",
    `_Times are in ${facts.timezone}._`,
  ];

  const duration = incident.resolvedAt
    ? formatDuration(incident.resolvedAt.getTime() - incident.declaredAt.getTime())
    : undefined;
  const summary = [
    "## Summary",
    "",
    incident.summary.trim()
      ? escapeMarkdown(incident.summary.trim())
      : "_No summary was given when the incident was declared._",
    "",
    `${escapeMarkdown(incident.severity)} incident declared ${at(incident.declaredAt)}${
      duration ? `, resolved after ${duration}` : ""
    }.`,
  ];

  const impact = [
    "## Impact",
    "",
    `- **Severity:** ${escapeMarkdown(incident.severity)}${
      facts.severityDescription ? ` (${escapeMarkdown(inline(facts.severityDescription))})` : ""
    }`,
    `- **Customer impact:** ${incident.customerImpact ? "yes" : "no"}`,
    `- **Affected components:** ${
      incident.components.length > 0 ? incident.components.map((c) => escapeMarkdown(c)).join(", ") : "none recorded"
    }`,
    ...(duration ? [`- **Duration:** ${duration}`] : []),
    ...(incident.acknowledgedAt
      ? [`- **Time to acknowledge:** ${formatDuration(incident.acknowledgedAt.getTime() - incident.declaredAt.getTime())}`]
      : []),
    "",
    "_To fill in: who was affected, how many, and what they could not do._",
  ];

  const rootCauses = [
    "## Root causes",
    "",
    "_To fill in by the postmortem owner: what made this possible, what made it worse, and why existing safeguards did not catch it sooner._",
    "",
    "- ",
  ];

  const resolution = [
    "## Resolution",
    "",
    incident.resolutionSummary?.trim()
      ? escapeMarkdown(incident.resolutionSummary.trim())
      : "_No resolution summary was given; to fill in: what fixed it._",
    "",
    incident.resolvedAt
      ? `Resolved ${at(incident.resolvedAt)}${resolved?.actorId ? ` by ${facts.person(resolved.actorId)}` : ""}.`
      : "_The incident is not resolved yet._",
  ];

  const actionItems = [
    "## Action items",
    "",
    ...(facts.actionItems.length > 0
      ? facts.actionItems.map((item) => describeActionItemLine(item, facts))
      : ["_None recorded yet. Add them with `/incident action <text> [@owner] [due:YYYY-MM-DD]`._"]),
  ];

  const fixed = [header, summary, impact, ["## Timeline", "", ""], rootCauses, resolution, actionItems]
    .map((lines) => lines.join("\n"))
    .join("\n\n").length;
  const timeline = ["## Timeline", "", ...renderTimelineLines(facts, postmortemMaxChars - fixed)];

  return `${[header, summary, impact, timeline, rootCauses, resolution, actionItems]
    .map((lines) => lines.join("\n"))
    .join("\n\n")}\n`;
}

/** What the redacted postmortem issue of a private incident may say. */
export interface RedactedPostmortemFacts {
  incident: { number: number; severity: string; declaredAt: Date; resolvedAt: Date | null };
  /** Where the draft lives: the private channel, for its members. */
  channelLink: string | null;
  reviewDueAt: Date | null;
  actionItems: readonly { state: string; githubNumber: number | null }[];
  timezone: string;
}

/**
 * The GitHub issue of a private incident's postmortem under
 * `followUps.privateIncidents: redacted`: a placeholder that tracks the
 * review, with nothing anyone typed (no title, summary, timeline, updates or
 * action item text). The draft itself goes to the private channel.
 */
export function renderRedactedPostmortemMarkdown(facts: RedactedPostmortemFacts): string {
  const { incident } = facts;
  const key = incidentKey(incident.number);
  const at = (date: Date) => formatTime(date, facts.timezone);
  const linked = facts.actionItems.filter((item) => item.githubNumber !== null);
  const unlinked = facts.actionItems.length - linked.length;
  const lines = [
    `# ${key} postmortem (private incident)`,
    "",
    `${key} is a private incident. Its postmortem is written in Slack: the title, summary, timeline, updates and action items are not copied here (the playbook's \`followUps.privateIncidents\` is \`redacted\`).`,
    "",
    facts.channelLink
      ? `The draft is in the incident's private channel, for its members: ${facts.channelLink}`
      : "The draft is stored by the incident bot.",
    "",
    `- **Severity:** ${escapeMarkdown(incident.severity)}`,
    `- **Declared:** ${at(incident.declaredAt)}`,
    `- **Resolved:** ${incident.resolvedAt ? at(incident.resolvedAt) : "not yet"}`,
    ...(facts.reviewDueAt ? [`- **Review due:** ${at(facts.reviewDueAt)}`] : []),
    "",
    "## Action items",
    "",
    ...linked.map((item) => `- [${item.state === "done" ? "x" : " "}] #${item.githubNumber}`),
    ...(unlinked > 0 ? [`- ${unlinked} more tracked in Slack only`] : []),
    ...(facts.actionItems.length === 0 ? ["_None recorded._"] : []),
  ];
  return `${lines.join("\n")}\n`;
}

/** Timeline lines in time order, within `budget` characters; the rest are counted, not dropped silently. */
function renderTimelineLines(facts: PostmortemFacts, budget: number): string[] {
  const events = [...facts.timeline].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  if (events.length === 0) return ["_The timeline is empty._"];
  const lines: string[] = [];
  let used = 0;
  for (const [index, event] of events.entries()) {
    const line = `- **${formatTime(event.occurredAt, facts.timezone)}** ${describeTimelineEvent(event, facts)}`;
    if (used + line.length + 1 > budget - 200) {
      lines.push(`- _…and ${events.length - index} later events; see the incident channel._`);
      break;
    }
    lines.push(line);
    used += line.length + 1;
  }
  return lines;
}

/** One timeline event as a sentence. Unknown kinds still appear, by name. */
export function describeTimelineEvent(
  event: { kind: string; actorId: string | null; data: unknown },
  facts: Pick<PostmortemFacts, "person" | "roleLabel">,
): string {
  const data = (typeof event.data === "object" && event.data !== null ? event.data : {}) as Record<string, unknown>;
  const text = (key: string) => {
    const value = data[key];
    return typeof value === "string" || typeof value === "number" ? escapeMarkdown(inline(String(value))) : "";
  };
  const user = (id: unknown) => (typeof id === "string" && id ? facts.person(id) : "someone");
  const users = (ids: unknown) =>
    Array.isArray(ids) && ids.length > 0 ? ids.map((id) => user(id)).join(", ") : "nobody";
  const role = (value: unknown) =>
    typeof value === "string" && value ? escapeMarkdown(facts.roleLabel(value)) : "a person";
  const by = event.actorId ? ` by ${facts.person(event.actorId)}` : "";
  // Who acted on GitHub is a GitHub login: named, never mentioned.
  const onGitHub = typeof data.by === "string" && data.by ? ` by ${escapeMarkdown(data.by)} on GitHub` : "";

  const sentence = ((): string => {
    switch (event.kind) {
      case "declared":
        return `Declared as ${text("severity")}${by}: ${text("title")}`;
      case "channel_created":
        return `Incident channel #${text("name")} created`;
      case "announced":
        return "Announced in the announcement channel";
      case "role_assigned":
        return `${user(data.userId)} became ${role(data.role)}${data.via === "page" ? " (acknowledged the page)" : by}`;
      case "paged":
        return `Paged ${role(data.role)}: ${users(data.users)}`;
      case "acknowledged":
        return `${user(event.actorId)} acknowledged the page for ${role(data.role)}`;
      case "escalated":
        return data.fallback
          ? `Nobody acknowledged the page for ${role(data.role)}; fell back to ${text("fallback")}`
          : `Escalated ${role(data.role)} to level ${Number(data.level ?? 0) + 1}: ${users(data.users)}`;
      case "severity_changed":
        return `Severity changed from ${text("from")} to ${text("to")}${by}`;
      case "status_update": {
        const status = text("to") || "update";
        return `Status update (${status})${by}${data.public === true ? ", public" : ""}: ${text("message")}`;
      }
      case "message_pinned": {
        const from = typeof data.author === "string" && data.author ? ` (message by ${user(data.author)})` : "";
        const safe = typeof data.permalink === "string" ? safeLinkForGitHub(data.permalink) : undefined;
        const link = safe ? ` [link](${safe})` : "";
        return `Message added to the timeline${by}${from}${text("text") ? `: ${text("text")}` : ""}${link}`;
      }
      case "notice_drafted":
        return `Customer notice (${text("phase")}) v${text("version")} drafted${by}`;
      case "notice_approved":
        return `Customer notice (${text("phase")}) v${text("version")} approved${by}`;
      case "action_item_added":
        return `Action item added${by}: ${text("text")}`;
      case "action_item_done":
        return data.via === "slack"
          ? `Action item marked done${by}: ${text("text")}`
          : `Action item done (GitHub issue #${text("githubNumber")} closed${onGitHub}): ${text("text")}`;
      case "action_item_reopened":
        return `Action item reopened (GitHub issue #${text("githubNumber")} reopened${onGitHub}): ${text("text")}`;
      case "checklist_item_completed":
        return `Checklist item done${by}: ${text("text") || text("itemId")}${data.onTime === false ? " (late)" : ""}`;
      case "checklist_item_reopened":
        return `Checklist item reopened${by}: ${text("text") || text("itemId")}`;
      case "checklist_item_overdue":
        return `Checklist item overdue: ${text("text") || text("itemId")}`;
      case "resolved":
        return `Resolved${by}${text("summary") ? `: ${text("summary")}` : ""}`;
      case "reopened":
        return `Reopened${by}`;
      case "alert_attached":
        return `Alert from ${text("source")} attached (${text("alerts")} firing): ${text("title")}`;
      case "alert_firing":
        return `Firing again in ${text("source")} (${text("alerts")} firing): ${text("title")}`;
      case "alert_resolved":
        return `Resolved by the monitor (${text("source")}): ${text("title")}`;
      case "pager_triggered":
        return `Paged ${role(data.role)} on ${text("provider")}`;
      case "pager_acknowledged":
        return `${text("by") || "Someone"} acknowledged the ${text("provider")} page for ${role(data.role)}`;
      case "pager_resolved":
        return `${text("provider")} page for ${role(data.role)} resolved`;
      default:
        return `${escapeMarkdown(event.kind.replaceAll("_", " "))}${by}`;
    }
  })();
  return truncateText(sentence, eventTextMax);
}

function describeActionItemLine(item: PostmortemFacts["actionItems"][number], facts: PostmortemFacts): string {
  const parts = [escapeMarkdown(inline(item.text))];
  if (item.ownerId) parts.push(`owner ${facts.person(item.ownerId)}`);
  if (item.dueOn) parts.push(`due ${item.dueOn.toISOString().slice(0, 10)}`);
  if (item.githubUrl && item.githubNumber) parts.push(`[#${item.githubNumber}](${item.githubUrl})`);
  else if (item.githubState === "queued") parts.push("GitHub issue queued");
  else parts.push("tracked locally");
  return `- [${item.state === "done" ? "x" : " "}] ${parts.join(" · ")}`;
}

/** `2026-11-23 09:42 GMT`: sortable, and the zone abbreviation shows summer time. */
export function formatTime(date: Date, timezone: string): string {
  return DateTime.fromJSDate(date, { zone: timezone }).toFormat("yyyy-MM-dd HH:mm ZZZZ");
}

/** `2 h 15 min`, `3 d 4 h`, `45 s`. */
export function formatDuration(ms: number): string {
  const totalMinutes = Math.floor(Math.max(0, ms) / 60_000);
  if (totalMinutes === 0) return `${Math.floor(Math.max(0, ms) / 1000)} s`;
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return `${minutes} min`;
}

/**
 * Escapes user text for GitHub Markdown: `<`, `>` and `&` become entities (no
 * raw HTML, no `<!channel>`), and `@` is backslash-escaped so typed handles
 * do not notify anyone on GitHub.
 */
/** Text a person typed, made inert on GitHub (see src/adapters/github/text.ts). */
export function escapeMarkdown(text: string): string {
  return escapeForGitHub(text);
}

/** Keeps a list item on one line. */
function inline(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${Array.from(text).slice(0, max - 1).join("")}…`;
}
