import { DateTime } from "luxon";
import type { Playbook } from "../../core/config/playbook.ts";
import { statusLabels } from "../../domain/incidents/rules.ts";
import type { NoticePhase, NoticeVariables } from "./templates.ts";

/**
 * The facts a notice template can use, worded for customers: times in the
 * customer time zone, component names as the status page shows them, and
 * only what was said in public updates. Pure.
 */
export function noticeVariablesFor(
  incident: {
    title: string;
    summary: string;
    components: string[];
    status: string;
    severity: string;
    declaredAt: Date;
    resolvedAt: Date | null;
    resolutionSummary: string | null;
  },
  playbook: Playbook,
  context: { lastPublicUpdate?: string; now: Date; phase: NoticePhase },
): NoticeVariables {
  const settings = playbook.customerNotices;
  const format = (date: Date) =>
    DateTime.fromJSDate(date).setZone(settings.timezone).toFormat("cccc d LLLL yyyy, HH:mm ZZZZ");
  const components = incident.components.map(
    (name) =>
      playbook.components.find(
        (component) => component.id === name.toLowerCase() || component.name.toLowerCase() === name.toLowerCase(),
      )?.name ?? name,
  );
  const cadence = playbook.severities[incident.severity]?.updateCadenceMinutes ?? 60;
  return {
    title: incident.title,
    impact: incident.summary || incident.title,
    components,
    componentList: components.join(", "),
    startTime: format(incident.declaredAt),
    status: statusLabels[incident.status] ?? incident.status,
    lastPublicUpdate: context.lastPublicUpdate ?? "",
    nextUpdateTime: format(new Date(context.now.getTime() + cadence * 60_000)),
    resolvedTime: incident.resolvedAt ? format(incident.resolvedAt) : "",
    resolutionSummary: incident.resolutionSummary ?? "",
    companyName: settings.companyName,
    supportContact: settings.supportContact,
  };
}
