import type { App } from "@slack/bolt";
import type { PrismaClient } from "../../generated/prisma/client.ts";

/**
 * Slack redelivers an event it thinks was not acked (X-Slack-Retry-Num), and
 * Socket Mode can deliver one event to two connections. Bolt does not
 * deduplicate, so the first replica to record the event_id handles it and
 * every other delivery is dropped. Events are acked by Bolt either way.
 */
export function registerEventDeduplication(app: App, prisma: PrismaClient): void {
  app.use(async ({ body, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === "string") {
      const inserted = await prisma.$executeRaw`
        INSERT INTO processed_slack_events (event_id) VALUES (${eventId})
        ON CONFLICT (event_id) DO NOTHING`;
      if (inserted === 0) return;
    }
    await next();
  });
}
