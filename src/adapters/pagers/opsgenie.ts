import { type PagerAction, type PagerAlertFacts, type PagerClient, postJson } from "./pager.ts";

/**
 * Opsgenie's Alert API: create (de-duplicated by `alias`), acknowledge and
 * close, each addressed by the alias. Opsgenie answers 202 and processes
 * the request shortly after; its webhook tells us what happened.
 */
export function opsgenieClient(options: { apiUrl: string; apiKey: string }): PagerClient {
  const headers = { authorization: `GenieKey ${options.apiKey}` };
  return {
    provider: "opsgenie",
    async send(action: PagerAction, alert: PagerAlertFacts) {
      const alias = encodeURIComponent(alert.dedupKey);
      if (action === "trigger") {
        await postJson(
          `${options.apiUrl}/v2/alerts`,
          {
            message: alert.summary.slice(0, 130),
            alias: alert.dedupKey,
            description: alert.link ? `${alert.summary}\n${alert.link.text}: ${alert.link.href}` : alert.summary,
            priority: alert.priority,
            source: "incident-bot",
            details: alert.details,
            tags: ["incident-bot"],
          },
          headers,
          "Opsgenie create",
        );
        return;
      }
      const verb = action === "acknowledge" ? "acknowledge" : "close";
      await postJson(
        `${options.apiUrl}/v2/alerts/${alias}/${verb}?identifierType=alias`,
        { source: "incident-bot", note: action === "resolve" ? "The incident was resolved in Slack." : "Acknowledged in Slack." },
        headers,
        `Opsgenie ${verb}`,
      );
    },
  };
}
