import { createGitHubClient } from "../../adapters/github/client.ts";
import { incidentChanges } from "../../domain/incidents/events.ts";
import type { ModuleFactory } from "../module.ts";
import { registerCaptureInteractions } from "./capture.ts";
import type { FollowUpCapability } from "./capability.ts";
import { actionItemSubcommands, registerActionItemInteractions } from "./commands.ts";
import {
  createGitHubIssueHandler,
  createIssueStateHandler,
  githubIssueKind,
  githubIssueStateKind,
} from "./github-outbox.ts";
import {
  createReconcileHandler,
  type GitHubSyncDependencies,
  githubReconcileKind,
  githubWebhookRoutes,
  prepareGitHubTimers,
} from "./github-sync.ts";
import {
  managerSubcommands,
  managerTimerHandlers,
  refreshHomes,
  refreshIncidentHomes,
  registerManagerViews,
  scheduleManagerTimers,
} from "./manager/index.ts";
import {
  onIncidentResolved,
  postmortemSubcommands,
  postmortemTimerHandlers,
  registerPostmortemInteractions,
} from "./postmortem/index.ts";

/**
 * Follow-ups: action items (tracked as GitHub issues when GitHub is set up),
 * the timeline capture shortcut, the postmortem draft and review, and the
 * manager views (`/incident actions`, the App Home, the weekly digest).
 */
export const followUpsModule: ModuleFactory = (core) => {
  const { config, log } = core;
  if (!config.github.enabled) {
    log.warn({ missing: config.github.missing }, "GitHub follow-ups are off: settings missing");
  } else if (!config.github.webhookSecret) {
    log.warn(
      {},
      "GITHUB_WEBHOOK_SECRET is not set: /github/webhook refuses deliveries, so closed issues are noticed only by the periodic reconcile",
    );
  }
  const capability: FollowUpCapability = {
    ...core,
    log: log.child({ component: "follow-ups" }),
    githubRepository: config.github.enabled ? config.github.repository : undefined,
    actionItemsChanged: (userIds) => refreshHomes(capability, userIds),
    track: (work) => void core.tasks.track(work),
  };
  const github = config.github.enabled
    ? {
        client: createGitHubClient({
          token: config.github.token,
          repository: config.github.repository,
          apiUrl: config.github.apiUrl,
          log: log.child({ component: "github" }),
          observe: (route, outcome) => core.metrics.countGitHubCall(route, outcome),
          ...(core.githubRetryBaseMs !== undefined ? { retryBaseMs: core.githubRetryBaseMs } : {}),
        }),
        sync: {
          ...capability,
          log: log.child({ component: "github-sync" }),
          repository: config.github.repository,
        } satisfies GitHubSyncDependencies,
        webhookSecret: config.github.webhookSecret,
      }
    : undefined;

  if (github) core.metrics.registerOutbox("github", [githubIssueKind, githubIssueStateKind]);
  return {
    name: "follow-ups",
    subcommands: [
      ...actionItemSubcommands(capability),
      ...managerSubcommands(capability),
      ...postmortemSubcommands(capability),
    ],
    interactions: (router) => {
      registerActionItemInteractions(router, capability);
      registerPostmortemInteractions(router, capability);
      registerCaptureInteractions(router, capability);
      registerManagerViews(router, capability);
    },
    timers: {
      ...postmortemTimerHandlers(capability),
      ...managerTimerHandlers(capability),
      ...(github
        ? {
            [githubIssueKind]: createGitHubIssueHandler({
              ...capability,
              slack: core.deliverySlack,
              github: github.client,
              log: log.child({ component: "github-outbox" }),
            }),
            [githubIssueStateKind]: createIssueStateHandler({
              prisma: core.prisma,
              github: github.client,
              log: log.child({ component: "github-outbox" }),
            }),
            [githubReconcileKind]: createReconcileHandler({ ...github.sync, github: github.client }),
          }
        : {}),
    },
    routes: github ? githubWebhookRoutes({ ...github.sync, secret: github.webhookSecret }) : {},
    subscribe: (events) => {
      events.on("incident.resolved", (tx, { incident, actorId, at }) => onIncidentResolved(capability, tx, incident, actorId, at));
      // The App Homes of an incident's role holders list it.
      events.afterCommit(incidentChanges, (changes) => {
        for (const incidentId of new Set(changes.map(({ incident }) => incident.id))) refreshIncidentHomes(capability, incidentId);
      });
    },
    start: async () => {
      await scheduleManagerTimers(capability);
      if (github) {
        const { revived } = await prepareGitHubTimers(github.sync);
        if (revived > 0) log.warn({ revived }, "retrying GitHub work that had failed before this start");
      }
    },
  };
};
