import { createHash } from "node:crypto";
import type { ComponentStatus, Playbook } from "../../core/config/playbook.ts";

/**
 * What the public status page shows, as a pure function of the playbook, the
 * incident rows and the time. No I/O here: the loader reads the rows, the
 * renderers turn the result into HTML, JSON and Atom.
 *
 * What is public (SPEC.md, "Public status page"): only status updates marked
 * public; an incident shows up from its first public update on, together with
 * its later `resolved` and `reopened` events; private incidents never do.
 */

export const historyDays = 90;
const dayMs = 86_400_000;

/** One incident as the loader reads it (private ones are already left out, but checked again). */
export interface StatusIncidentRow {
  id: string;
  number: number;
  title: string;
  severity: string;
  isPrivate: boolean;
  components: string[];
  declaredAt: Date;
  resolvedAt: Date | null;
  /** `status_update`, `resolved` and `reopened` events, any order. */
  events: StatusEventRow[];
}

export interface StatusEventRow {
  id: bigint | number | string;
  kind: string;
  occurredAt: Date;
  data: unknown;
}

export type PublicStatus = "investigating" | "identified" | "monitoring" | "resolved";
export type Impact = "none" | "minor" | "major" | "critical";

export interface AffectedComponent {
  code: string;
  name: string;
  old_status: ComponentStatus;
  new_status: ComponentStatus;
}

export interface PublicUpdate {
  id: string;
  status: PublicStatus;
  body: string;
  at: Date;
  /** The components this update moved, or null when it moved none (as Statuspage does). */
  affectedComponents: AffectedComponent[] | null;
}

export interface ComponentView {
  id: string;
  name: string;
  description: string;
  /** 1-based, in playbook order. */
  position: number;
  status: ComponentStatus;
  /** The playbook has no creation date: the start of the history window's first day. */
  createdAt: Date;
  /** The last public update that moved it, else createdAt. */
  updatedAt: Date;
}

export interface PublicIncident {
  id: string;
  name: string;
  status: PublicStatus;
  impact: Impact;
  /** The playbook severity: it decides what the incident does to its components. */
  severity: string;
  /** When the incident was declared. */
  startedAt: Date;
  /** When it first appeared on the page (its first public update). */
  createdAt: Date;
  updatedAt: Date;
  monitoringAt: Date | null;
  resolvedAt: Date | null;
  /** Playbook component ids, in playbook order. */
  componentIds: string[];
  /** Newest first. */
  updates: PublicUpdate[];
}

export interface StatusPageData {
  page: {
    id: string;
    name: string;
    /** Address of the HTML page; the feed and the JSON are resolved against it. */
    url: string;
    timeZone: string;
    /** The latest public event (stable across rebuilds and replicas, unlike "now"). */
    updatedAt: Date;
  };
  indicator: Impact;
  description: string;
  components: ComponentView[];
  /** Unresolved incidents, newest first. */
  active: PublicIncident[];
  /** Incidents resolved in the last 90 days, most recently started first. */
  history: PublicIncident[];
  /** Start of the history window. */
  since: Date;
}

export const componentStatusLabels: Record<ComponentStatus, string> = {
  operational: "Operational",
  degraded_performance: "Degraded performance",
  partial_outage: "Partial outage",
  major_outage: "Major outage",
};

export const statusLabels: Record<PublicStatus, string> = {
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
};

const componentRank: Record<ComponentStatus, number> = {
  operational: 0,
  degraded_performance: 1,
  partial_outage: 2,
  major_outage: 3,
};
const impactRank: Record<Impact, number> = { none: 0, minor: 1, major: 2, critical: 3 };
const impactByRank: Impact[] = ["none", "minor", "major", "critical"];
/** How Statuspage derives the page indicator from a component's state. */
const componentImpact: Record<ComponentStatus, Impact> = {
  operational: "none",
  degraded_performance: "minor",
  partial_outage: "major",
  major_outage: "critical",
};
const indicatorDescriptions: Record<Impact, string> = {
  none: "All Systems Operational",
  minor: "Minor Service Outage",
  major: "Partial System Outage",
  critical: "Major System Outage",
};

/** Statuspage's impact for a severity: SEV1 critical, SEV2 major, SEV3 minor, anything else none. */
export function impactOf(severity: string): Impact {
  switch (severity) {
    case "SEV1":
      return "critical";
    case "SEV2":
      return "major";
    case "SEV3":
      return "minor";
    default:
      return "none";
  }
}

export const resolvedBody = "This incident has been resolved.";
export const reopenedBody = "This incident has been reopened.";

export function buildStatusSnapshot(
  playbook: Playbook,
  rows: readonly StatusIncidentRow[],
  now: Date,
  options: { defaultUrl?: string } = {},
): StatusPageData {
  const since = new Date(now.getTime() - historyDays * dayMs);
  const matchComponents = componentMatcher(playbook);

  const incidents: PublicIncident[] = [];
  for (const row of rows) {
    if (row.isPrivate) continue;
    const incident = publicIncident(row, playbook, matchComponents(row.components));
    if (!incident) continue;
    if (incident.status !== "resolved" || (incident.resolvedAt && incident.resolvedAt >= since)) {
      incidents.push(incident);
    }
  }
  const byStartDesc = (a: PublicIncident, b: PublicIncident) =>
    b.startedAt.getTime() - a.startedAt.getTime() || b.createdAt.getTime() - a.createdAt.getTime();
  const active = incidents.filter((i) => i.status !== "resolved").sort(byStartDesc);
  const history = incidents.filter((i) => i.status === "resolved").sort(byStartDesc);

  const latestEvent = maxDate(incidents.map((i) => i.updatedAt));
  // A stable fallback: the start of the window's first day, so replicas agree.
  const windowStart = new Date(Math.floor(since.getTime() / dayMs) * dayMs);

  const components = playbook.components.map((component, index): ComponentView => {
    const affecting = incidents.filter((i) => i.componentIds.includes(component.id));
    let status: ComponentStatus = "operational";
    for (const incident of affecting) {
      if (incident.status === "resolved") continue;
      const imposed = playbook.severities[incident.severity]?.componentStatus;
      if (imposed && componentRank[imposed] > componentRank[status]) status = imposed;
    }
    const changes = affecting.flatMap((i) =>
      i.updates.filter((u) => u.affectedComponents?.some((c) => c.code === component.id)),
    );
    return {
      id: component.id,
      name: component.name,
      description: component.description,
      position: index + 1,
      status,
      createdAt: windowStart,
      updatedAt: maxDate(changes.map((u) => u.at)) ?? windowStart,
    };
  });

  let rank = 0;
  for (const component of components)
    rank = Math.max(rank, impactRank[componentImpact[component.status]]);
  for (const incident of active) rank = Math.max(rank, impactRank[incident.impact]);
  const indicator = impactByRank[rank]!;

  const url = playbook.statusPage.url ?? options.defaultUrl ?? "http://localhost:3000/status";
  return {
    page: {
      id: pageId(url),
      name: playbook.statusPage.title,
      url,
      timeZone: playbook.customerNotices.timezone,
      updatedAt: latestEvent ?? windowStart,
    },
    indicator,
    description: indicatorDescriptions[indicator],
    components,
    active,
    history,
    since,
  };
}

/**
 * The incident as the public sees it, or undefined while it has no public
 * update. Its status is the one its last published event gave it, so an
 * internal-only status change does not show.
 */
function publicIncident(
  row: StatusIncidentRow,
  playbook: Playbook,
  componentIds: string[],
): PublicIncident | undefined {
  const events = [...row.events].sort(
    (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || compareIds(a.id, b.id),
  );
  const imposedWhileOpen = playbook.severities[row.severity]?.componentStatus ?? "operational";
  const componentsById = new Map(playbook.components.map((c) => [c.id, c]));

  const updates: PublicUpdate[] = [];
  let status: PublicStatus | undefined;
  let imposed: ComponentStatus = "operational";
  let monitoringAt: Date | null = null;
  let resolvedAt: Date | null = null;
  for (const event of events) {
    const data = asRecord(event.data);
    let next: { status: PublicStatus; body: string } | undefined;
    if (event.kind === "status_update" && data.public === true) {
      next = { status: toStatus(data.to) ?? "investigating", body: text(data.message) };
    } else if (status !== undefined && event.kind === "resolved") {
      // A resolve typed as `/incident update resolved … --public` carries its message.
      const body = text(data.summary) || (data.public === true ? text(data.message) : "");
      next = { status: "resolved", body: body || resolvedBody };
    } else if (status !== undefined && event.kind === "reopened") {
      next = { status: toStatus(data.to) ?? "investigating", body: reopenedBody };
    }
    if (!next) continue;

    const nowImposed = next.status === "resolved" ? "operational" : imposedWhileOpen;
    const moved = nowImposed !== imposed && componentIds.length > 0;
    updates.push({
      id: String(event.id),
      status: next.status,
      body: next.body,
      at: event.occurredAt,
      affectedComponents: moved
        ? componentIds.map((id) => ({
            code: id,
            name: componentsById.get(id)!.name,
            old_status: imposed,
            new_status: nowImposed,
          }))
        : null,
    });
    imposed = nowImposed;
    status = next.status;
    if (next.status === "monitoring" && !monitoringAt) monitoringAt = event.occurredAt;
    resolvedAt = next.status === "resolved" ? event.occurredAt : null;
  }
  if (status === undefined) return undefined;
  return {
    id: row.id,
    name: row.title,
    status,
    impact: impactOf(row.severity),
    severity: row.severity,
    startedAt: row.declaredAt,
    createdAt: updates[0]!.at,
    updatedAt: updates.at(-1)!.at,
    monitoringAt,
    resolvedAt,
    componentIds,
    updates: updates.reverse(),
  };
}

/** Incidents name components as people typed them: by id or by name, in any case. */
function componentMatcher(playbook: Playbook): (names: string[]) => string[] {
  const byKey = new Map<string, string>();
  for (const component of playbook.components) {
    byKey.set(normalize(component.id), component.id);
    byKey.set(normalize(component.name), component.id);
  }
  const order = new Map(playbook.components.map((c, index) => [c.id, index]));
  return (names) => {
    const ids = new Set<string>();
    for (const name of names) {
      const id = byKey.get(normalize(name));
      if (id) ids.add(id);
    }
    return [...ids].sort((a, b) => order.get(a)! - order.get(b)!);
  };
}

const normalize = (value: string) => value.trim().toLowerCase();

/** Statuspage page ids are 12 lowercase letters and digits; this one is stable for a given URL. */
function pageId(url: string): string {
  const digest = createHash("sha256").update(url).digest();
  return BigInt(`0x${digest.subarray(0, 10).toString("hex")}`)
    .toString(36)
    .padStart(12, "0")
    .slice(-12);
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

function toStatus(value: unknown): PublicStatus | undefined {
  return value === "investigating" ||
    value === "identified" ||
    value === "monitoring" ||
    value === "resolved"
    ? value
    : undefined;
}

function compareIds(a: StatusEventRow["id"], b: StatusEventRow["id"]): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function maxDate(dates: Date[]): Date | undefined {
  let latest: Date | undefined;
  for (const date of dates) if (!latest || date > latest) latest = date;
  return latest;
}
