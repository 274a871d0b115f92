import type { TimerHandler } from "../../core/scheduler/types.ts";
import { SlackCallError, type SlackGateway } from "../../adapters/slack/gateway.ts";
import type { IncidentRepository } from "../../domain/incidents/repository.ts";
import { renderAnnouncement, renderIntro, renderTopic } from "./views.ts";

/**
 * Brings the channel topic, the intro message and the announcement up to
 * date with the incident as it is now. Each call sets absolute state, so a
 * re-run is harmless; a 429 defers it by Retry-After.
 */
export function createRefreshSurfacesHandler(deps: {
  incidents: IncidentRepository;
  slack: SlackGateway;
}): TimerHandler {
  return async (timer, { now }) => {
    const incident = await deps.incidents.findById(String(timer.payload.incidentId));
    if (!incident?.channelId) return { kind: "done" };
    try {
      await deps.slack.setChannelTopic(incident.channelId, renderTopic(incident));
      if (incident.introTs) {
        await deps.slack.updateMessage(incident.channelId, incident.introTs, renderIntro(incident));
      }
      if (incident.announcementChannelId && incident.announcementTs) {
        await deps.slack.updateMessage(
          incident.announcementChannelId,
          incident.announcementTs,
          renderAnnouncement(incident),
        );
      }
    } catch (error) {
      if (error instanceof SlackCallError && error.code === "rate_limited") {
        return {
          kind: "defer",
          at: new Date(now.getTime() + (error.retryAfterSeconds ?? 1) * 1000),
        };
      }
      throw error;
    }
    return { kind: "done" };
  };
}
