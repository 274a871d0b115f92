import { setTimeout as sleep } from "node:timers/promises";
import type { HomeView } from "@slack/types";
import type { Logger } from "../../../core/logging.ts";
import type { EventBody, SlackRouter } from "../../../adapters/slack/router.ts";

/**
 * Publishing the App Home tab: in full whenever someone opens it (so a tab
 * is never staler than the last time its owner looked), and again for the
 * people a change concerns (`createHomeRefresher`).
 */

export interface HomePublisher {
  render(userId: string): Promise<HomeView>;
  publish(userId: string, view: HomeView): Promise<void>;
  log: Logger;
  /** Registers background publishing, so shutdown (and tests) wait for it. */
  track?(work: Promise<unknown>): void;
  /**
   * How long a refresh waits before publishing, so the burst of changes one
   * action makes (a declaration: declared, roles taken, activated) costs one
   * `views.publish`, sent after the page DMs rather than racing them.
   */
  settleMs?: number;
}

export const defaultHomeSettleMs = 1000;

/** Publishes the Home tab whenever someone opens it. */
export function registerHome(router: SlackRouter, home: HomePublisher): void {
  router.event({
    event: "app_home_opened",
    access: { open: "renders only what the access policy lets the person see" },
    run: async (event: EventBody) => {
      if (event.tab !== "home" || typeof event.user !== "string") return;
      await home.publish(event.user, await home.render(event.user));
    },
  });
}

const slackUserId = /^[UW][A-Z0-9]+$/;

/**
 * Returns a fire-and-forget refresh: it never throws (failures are logged)
 * and never blocks its caller. Refreshes of one user are serialized and
 * coalesced: a request while one is in flight runs once more afterwards, so
 * the last publish always reflects the latest data and a burst of changes
 * costs two `views.publish` calls, not one per change (tier 4 rate limit).
 */
export function createHomeRefresher(home: HomePublisher): (userIds: readonly string[]) => void {
  const inFlight = new Map<string, { again: boolean }>();

  const run = async (userId: string, state: { again: boolean }) => {
    await sleep(home.settleMs ?? defaultHomeSettleMs);
    do {
      state.again = false;
      try {
        await home.publish(userId, await home.render(userId));
      } catch (error) {
        home.log.error({ err: error, userId }, "refreshing the App Home failed");
      }
    } while (state.again);
    inFlight.delete(userId);
  };

  return (userIds) => {
    // Others may pass `github:<login>` closers or duplicates: only Slack users have a Home.
    for (const userId of new Set(userIds.filter((id) => slackUserId.test(id)))) {
      const running = inFlight.get(userId);
      if (running) {
        running.again = true;
        continue;
      }
      const state = { again: false };
      inFlight.set(userId, state);
      const work = run(userId, state);
      home.track?.(work);
    }
  };
}
