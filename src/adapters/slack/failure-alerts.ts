import { incidentKey } from "../../domain/incidents/rules.ts";
import { escapeMrkdwn } from "./escape.ts";
import { enqueueSlackPost } from "./outbox.ts";
import type { ClaimedTimer, Transaction } from "../../core/scheduler/types.ts";

/**
 * A timer that fails for good is never dropped silently: besides the error
 * log, its incident's channel gets an alert saying what did not happen. The
 * alert goes through the outbox like any post. An alert that itself cannot be
 * delivered is only logged, so alerts cannot loop.
 */
export function createFailureAlerter(fallbackChannel: () => Promise<string | undefined>) {
  return async (timer: ClaimedTimer, error: string, tx: Transaction, now: Date): Promise<void> => {
    if (timer.key.startsWith("slack:alert:")) return;
    let incidentId =
      typeof timer.payload.incidentId === "string" ? timer.payload.incidentId : undefined;
    if (!incidentId && typeof timer.payload.postKey === "string") {
      const post = await tx.slackPost.findUnique({ where: { key: timer.payload.postKey } });
      incidentId = post?.incidentId ?? undefined;
    }
    const incident = incidentId
      ? await tx.incident.findUnique({ where: { id: incidentId } })
      : null;
    const channelId = incident?.channelId ?? (await fallbackChannel().catch(() => undefined));
    if (!channelId) return;
    const subject = incident ? ` for ${incidentKey(incident.number)}` : "";
    const text = `:warning: A scheduled \`${timer.kind}\`${subject} failed ${timer.attempts} times and will not be retried: ${escapeMrkdwn(error.slice(0, 300))}. Whatever it was meant to do did not happen; the bot's logs have the details.`;
    await enqueueSlackPost(
      tx,
      { key: `alert:${timer.id}`, channelId, message: { text }, incidentId: incident?.id ?? null },
      now,
    );
  };
}
