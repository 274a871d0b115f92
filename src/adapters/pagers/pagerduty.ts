import { type PagerAction, type PagerAlertFacts, type PagerClient, postJson } from "./pager.ts";

/**
 * PagerDuty's Events API v2 (`POST /v2/enqueue`): trigger, acknowledge and
 * resolve, by `dedup_key`. The routing key is an integration key of the
 * PagerDuty service whose escalation policy wakes people.
 */
export function pagerDutyClient(options: { eventsUrl: string; routingKey: string }): PagerClient {
  const url = `${options.eventsUrl}/v2/enqueue`;
  return {
    provider: "pagerduty",
    async send(action: PagerAction, alert: PagerAlertFacts) {
      const event: Record<string, unknown> = {
        routing_key: options.routingKey,
        event_action: action,
        dedup_key: alert.dedupKey,
      };
      if (action === "trigger") {
        event.payload = {
          summary: alert.summary.slice(0, 1024),
          source: "incident-bot",
          severity: alert.severity,
          custom_details: alert.details,
        };
        event.client = "incident-bot";
        if (alert.link) event.links = [alert.link];
      }
      await postJson(url, event, {}, `PagerDuty ${action}`);
    },
  };
}
