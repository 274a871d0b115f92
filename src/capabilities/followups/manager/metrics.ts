/**
 * Response metrics for the weekly digest, computed from timeline timestamps
 * only (the timeline is append-only, so the numbers can be recomputed and
 * audited later). Pure: events in, minutes out.
 *
 * Definitions, per incident:
 *  - declared: the first `declared` event (the incident's `declaredAt` if the
 *    timeline has none, which only happens for rows written by hand);
 *  - acknowledged: the first `acknowledged` event at or after `declared`;
 *  - resolved: the last `resolved` event, counted only when no `reopened`
 *    event follows it: a reopened incident is ongoing again, and its time to
 *    resolve runs to its final resolution;
 *  - time to acknowledge = acknowledged − declared;
 *  - time to resolve, the incident's duration = resolved − declared, or
 *    "ongoing" while it is not resolved.
 *
 * Over a set of incidents (the week's: declared in the 7 days before the
 * digest):
 *  - MTTA = the mean time to acknowledge over the incidents that have an
 *    acknowledgement (incidents nobody was paged for do not count as 0);
 *  - MTTR = the mean time to resolve over the resolved incidents (ongoing ones
 *    are left out rather than counted up to now, so the figure does not depend
 *    on when the digest runs).
 * Either mean is undefined when no incident qualifies.
 */

export interface MetricsEvent {
  kind: string;
  occurredAt: Date;
}

export interface MetricsIncident {
  declaredAt: Date;
  timeline: readonly MetricsEvent[];
}

export interface IncidentTimes {
  declaredAt: Date;
  acknowledgedAt?: Date;
  resolvedAt?: Date;
  /** undefined while unacknowledged. */
  minutesToAcknowledge?: number;
  /** The duration; undefined while ongoing. */
  minutesToResolve?: number;
}

export interface WeekMetrics {
  incidents: number;
  acknowledged: number;
  resolved: number;
  /** Mean minutes, undefined when no incident was acknowledged. */
  mtta?: number;
  /** Mean minutes, undefined when no incident was resolved. */
  mttr?: number;
}

const minuteMs = 60_000;

export function computeIncidentTimes(incident: MetricsIncident): IncidentTimes {
  const events = [...incident.timeline].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  const declaredAt = events.find((event) => event.kind === "declared")?.occurredAt ?? incident.declaredAt;
  const acknowledgedAt = events.find(
    (event) => event.kind === "acknowledged" && event.occurredAt.getTime() >= declaredAt.getTime(),
  )?.occurredAt;
  const lastResolved = events.findLastIndex((event) => event.kind === "resolved");
  const reopenedAfter =
    lastResolved >= 0 && events.slice(lastResolved + 1).some((event) => event.kind === "reopened");
  const resolvedAt = lastResolved >= 0 && !reopenedAfter ? events[lastResolved]!.occurredAt : undefined;
  const minutesSinceDeclared = (at: Date) => (at.getTime() - declaredAt.getTime()) / minuteMs;
  return {
    declaredAt,
    ...(acknowledgedAt ? { acknowledgedAt, minutesToAcknowledge: minutesSinceDeclared(acknowledgedAt) } : {}),
    ...(resolvedAt ? { resolvedAt, minutesToResolve: minutesSinceDeclared(resolvedAt) } : {}),
  };
}

export function computeWeekMetrics(times: readonly IncidentTimes[]): WeekMetrics {
  const toAcknowledge = times.flatMap((t) => (t.minutesToAcknowledge === undefined ? [] : [t.minutesToAcknowledge]));
  const toResolve = times.flatMap((t) => (t.minutesToResolve === undefined ? [] : [t.minutesToResolve]));
  const mtta = mean(toAcknowledge);
  const mttr = mean(toResolve);
  return {
    incidents: times.length,
    acknowledged: toAcknowledge.length,
    resolved: toResolve.length,
    ...(mtta === undefined ? {} : { mtta }),
    ...(mttr === undefined ? {} : { mttr }),
  };
}

function mean(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** `42 min`, `1 h 30 min`, `2 d 3 h`: rounded to the minute, for people. */
export function formatMinutes(minutes: number): string {
  const total = Math.max(0, Math.round(minutes));
  if (total < 60) return `${total} min`;
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const rest = total % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  return rest > 0 ? `${hours} h ${rest} min` : `${hours} h`;
}
