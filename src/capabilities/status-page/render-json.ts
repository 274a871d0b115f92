import type { ComponentStatus } from "../../core/config/playbook.ts";
import type {
  AffectedComponent,
  ComponentView,
  Impact,
  PublicIncident,
  PublicStatus,
  StatusPageData,
} from "./snapshot.ts";

/**
 * Statuspage's public v2 API (summary, status, components, incidents,
 * unresolved incidents, scheduled maintenances) in its shapes, field for
 * field, so widgets, dashboards, exporters and chat integrations written for
 * Statuspage read them as they are. Fields this bot has no data for keep
 * Statuspage's empty values (null, false, []); it schedules no maintenance,
 * so that list is always empty.
 */

/** The paths served, each answered from the same snapshot with the same caching and CORS. */
export const statusApiPaths = [
  "/api/v2/summary.json",
  "/api/v2/status.json",
  "/api/v2/components.json",
  "/api/v2/incidents.json",
  "/api/v2/incidents/unresolved.json",
  "/api/v2/scheduled-maintenances.json",
] as const;

export type StatusApiPath = (typeof statusApiPaths)[number];

/** Statuspage's incidents.json: the most recent incidents, unresolved and resolved alike. */
export const recentIncidentsLimit = 50;

export interface SummaryPage {
  id: string;
  name: string;
  url: string;
  time_zone: string;
  updated_at: string;
}

export interface SummaryComponent {
  id: string;
  name: string;
  status: ComponentStatus;
  created_at: string;
  updated_at: string;
  position: number;
  description: string | null;
  showcase: boolean;
  start_date: string | null;
  group_id: string | null;
  page_id: string;
  group: boolean;
  only_show_if_degraded: boolean;
}

export interface SummaryIncidentUpdate {
  id: string;
  status: PublicStatus;
  body: string;
  incident_id: string;
  created_at: string;
  updated_at: string;
  display_at: string;
  affected_components: AffectedComponent[] | null;
  deliver_notifications: boolean;
  custom_tweet: string | null;
  tweet_id: string | null;
}

export interface SummaryIncident {
  id: string;
  name: string;
  status: PublicStatus;
  created_at: string;
  updated_at: string;
  monitoring_at: string | null;
  resolved_at: string | null;
  impact: Impact;
  shortlink: string;
  started_at: string;
  page_id: string;
  incident_updates: SummaryIncidentUpdate[];
  components: SummaryComponent[];
}

export interface Summary {
  page: SummaryPage;
  components: SummaryComponent[];
  incidents: SummaryIncident[];
  scheduled_maintenances: never[];
  status: { indicator: Impact; description: string };
}

/** Every document of the API, by path. */
export function renderStatusApi(data: StatusPageData): Record<StatusApiPath, unknown> {
  const { summary, incident } = summaryParts(data);
  const { page } = summary;
  const recent = [...data.active, ...data.history]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .slice(0, recentIncidentsLimit)
    .map(incident);
  return {
    "/api/v2/summary.json": summary,
    "/api/v2/status.json": { page, status: summary.status },
    "/api/v2/components.json": { page, components: summary.components },
    "/api/v2/incidents.json": { page, incidents: recent },
    "/api/v2/incidents/unresolved.json": { page, incidents: summary.incidents },
    "/api/v2/scheduled-maintenances.json": { page, scheduled_maintenances: [] },
  };
}

function summaryParts(data: StatusPageData): { summary: Summary; incident: (view: PublicIncident) => SummaryIncident } {
  const pageId = data.page.id;
  const component = (view: ComponentView): SummaryComponent => ({
    id: view.id,
    name: view.name,
    status: view.status,
    created_at: iso(view.createdAt),
    updated_at: iso(view.updatedAt),
    position: view.position,
    description: view.description || null,
    showcase: false,
    start_date: null,
    group_id: null,
    page_id: pageId,
    group: false,
    only_show_if_degraded: false,
  });
  const components = data.components.map(component);
  const byId = new Map(components.map((c) => [c.id, c]));

  const incident = (view: PublicIncident): SummaryIncident => ({
    id: view.id,
    name: view.name,
    status: view.status,
    created_at: iso(view.createdAt),
    updated_at: iso(view.updatedAt),
    monitoring_at: view.monitoringAt ? iso(view.monitoringAt) : null,
    resolved_at: view.resolvedAt ? iso(view.resolvedAt) : null,
    impact: view.impact,
    shortlink: incidentLink(data, view),
    started_at: iso(view.startedAt),
    page_id: pageId,
    incident_updates: view.updates.map((update) => ({
      id: update.id,
      status: update.status,
      body: update.body,
      incident_id: view.id,
      created_at: iso(update.at),
      updated_at: iso(update.at),
      display_at: iso(update.at),
      affected_components: update.affectedComponents,
      deliver_notifications: false,
      custom_tweet: null,
      tweet_id: null,
    })),
    components: view.componentIds.flatMap((id) => byId.get(id) ?? []),
  });

  const summary: Summary = {
    page: {
      id: pageId,
      name: data.page.name,
      url: data.page.url,
      time_zone: data.page.timeZone,
      updated_at: iso(data.page.updatedAt),
    },
    components,
    incidents: data.active.map(incident),
    scheduled_maintenances: [],
    status: { indicator: data.indicator, description: data.description },
  };
  return { summary, incident };
}

/** The incident's place on the HTML page. */
export function incidentLink(data: StatusPageData, incident: PublicIncident): string {
  return new URL(`#incident-${incident.id}`, data.page.url).toString();
}

const iso = (date: Date) => date.toISOString();
