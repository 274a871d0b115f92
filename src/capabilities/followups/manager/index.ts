import { loadHomeData } from "./home-data.ts";
import { createHomeRefresher, defaultHomeSettleMs, type HomePublisher, registerHome } from "./home-tab.ts";
import { systemClock } from "../../../core/clock.ts";
import { renderHome } from "./home-views.ts";
import type { TimerHandler } from "../../../core/scheduler/types.ts";
import type { Subcommand } from "../../../adapters/slack/command-router.ts";
import type { SlackRouter } from "../../../adapters/slack/router.ts";
import type { FollowUpCapability } from "../capability.ts";
import { actionsSubcommand } from "./actions-command.ts";
import { createDigestHandler, digestTimerKind, scheduleDigest } from "./digest.ts";

/**
 * The manager views: `/incident actions`, the App Home tab and the weekly
 * digest. The follow-ups module (../module.ts) installs them.
 */

export function managerSubcommands(capability: FollowUpCapability): Subcommand<unknown>[] {
  return [actionsSubcommand(capability)];
}

export function managerTimerHandlers(capability: FollowUpCapability): Record<string, TimerHandler> {
  return { [digestTimerKind]: createDigestHandler(capability) };
}

/** Called once at startup (schedules the weekly digest, or moves/cancels it to match the playbook). */
export async function scheduleManagerTimers(capability: FollowUpCapability): Promise<void> {
  await scheduleDigest(capability);
}

function homePublisher(capability: FollowUpCapability): HomePublisher {
  return {
    render: async (userId) => renderHome(userId, await loadHomeData(capability, userId)),
    publish: (userId, view) => capability.slack.publishHome(userId, view),
    log: capability.log,
    track: capability.track,
    // On a scripted clock (the demo, tests) declarations are not racing anything in real time.
    settleMs: capability.clock === systemClock ? defaultHomeSettleMs : 0,
  };
}

/** Registers the App Home tab. */
export function registerManagerViews(router: SlackRouter, capability: FollowUpCapability): void {
  registerHome(router, homePublisher(capability));
}

const refreshers = new WeakMap<FollowUpCapability, (userIds: readonly string[]) => void>();

/**
 * Republishes the App Home of these users after their action items changed.
 * Fire and forget: returns at once, logs failures, never throws.
 *
 * Who is refreshed: exactly the users given (the owner, the creator, whoever
 * closed or reopened it), deduplicated. Other people's tabs also show the
 * team-wide overdue list, but Slack gives no list of who has the tab open,
 * and republishing every user on every change would spend the views.publish
 * rate limit; instead every tab is rebuilt from fresh data each time its
 * owner opens it (`app_home_opened`), so it is never staler than their last
 * look.
 */
export function refreshHomes(capability: FollowUpCapability, userIds: readonly string[]): void {
  let refresh = refreshers.get(capability);
  if (!refresh) {
    refresh = createHomeRefresher(homePublisher(capability));
    refreshers.set(capability, refresh);
  }
  refresh(userIds);
}

/**
 * After an incident changed (declared, updated, resolved, a role taken):
 * republishes the App Home of the people holding its roles, whose "open
 * incidents" and "your roles" lists show it. Fire and forget.
 */
export function refreshIncidentHomes(capability: FollowUpCapability, incidentId: string): void {
  const work = capability.prisma.roleAssignment
    .findMany({ where: { incidentId }, select: { userId: true } })
    .then((roles) => refreshHomes(capability, roles.map((role) => role.userId)))
    .catch((error: unknown) => capability.log.error({ err: error, incidentId }, "refreshing App Homes failed"));
  capability.track(work);
}
