import { checklistDeadlineKind, createChecklistDeadlineHandler } from "./capabilities/checklists/checklists.ts";
import { createStatusPage } from "./capabilities/status-page/status-page.ts";
import {
  type NoticeCapability,
  noticeSubcommands,
  registerNoticeInteractions,
} from "./capabilities/notices/commands.ts";
import { createNoticeMailer } from "./capabilities/notices/mailer.ts";
import {
  createNoticeDeadlineHandler,
  createNoticeSendHandler,
  draftResolvedNotice,
  noticeDeadlineKind,
  noticeSendKind,
  scheduleNoticeDeadline,
} from "./capabilities/notices/service.ts";
import { loadNoticeTemplates, noticesDirFor } from "./capabilities/notices/templates.ts";
import { registerChecklistInteractions } from "./capabilities/checklists/register.ts";
import type { AppConfig } from "./core/config/env.ts";
import { loadPlaybook, type Playbook } from "./core/config/playbook.ts";
import { type Database, type DatabaseTarget, openDatabase } from "./core/db/database.ts";
import type { FollowUpCapability } from "./capabilities/followups/capability.ts";
import { actionItemSubcommands, registerActionItemInteractions } from "./capabilities/followups/commands.ts";
import {
  createGitHubIssueHandler,
  createIssueStateHandler,
  githubIssueKind,
  githubIssueStateKind,
} from "./capabilities/followups/github-outbox.ts";
import {
  createReconcileHandler,
  type GitHubSyncDependencies,
  githubReconcileKind,
  githubWebhookRoutes,
  prepareGitHubTimers,
} from "./capabilities/followups/github-sync.ts";
import { createGitHubClient } from "./adapters/github/client.ts";
import { registerCaptureInteractions } from "./capabilities/followups/capture.ts";
import {
  managerSubcommands,
  managerTimerHandlers,
  refreshHomes,
  refreshIncidentHomes,
  registerManagerViews,
  scheduleManagerTimers,
} from "./capabilities/followups/manager/index.ts";
import {
  onIncidentResolved,
  postmortemSubcommands,
  postmortemTimerHandlers,
  registerPostmortemInteractions,
} from "./capabilities/followups/postmortem/index.ts";
import { healthRoutes } from "./core/http/health.ts";
import { defaultHttpLimits, type RunningServer, startHttpServer } from "./core/http/server.ts";
import {
  type IncidentCapability,
  incidentSubcommands,
  registerIncidentInteractions,
} from "./capabilities/incidents/commands.ts";
import {
  completeDeclarationKind,
  createCompleteDeclarationHandler,
  type DeclareDependencies,
  resumeDeclarations,
} from "./capabilities/incidents/declare.ts";
import { createRefreshSurfacesHandler } from "./capabilities/incidents/refresh.ts";
import { createIncidentRepository } from "./domain/incidents/repository.ts";
import {
  activateIncident,
  refreshSurfacesKind,
  type StatusDependencies,
  scheduleDeclarationRetry,
  updateReminderKind,
} from "./capabilities/incidents/status-updates.ts";
import { createLogger, type Logger } from "./core/logging.ts";
import {
  type PagingCapability,
  pagingSubcommands,
  registerPagingInteractions,
} from "./capabilities/paging/commands.ts";
import { createEscalationHandler, escalationKind } from "./capabilities/paging/escalation.ts";
import { createUpdateReminderHandler } from "./capabilities/reminders/update-reminders.ts";
import { createFailureAlerter } from "./capabilities/incidents/failure-alerts.ts";
import { Scheduler } from "./core/scheduler/scheduler.ts";
import { BackgroundTasks } from "./core/background-tasks.ts";
import { type Clock, systemClock } from "./core/clock.ts";
import { createDeliveryClient, createSlackApp, registerWorkTracking } from "./adapters/slack/app.ts";
import { SlackRouter } from "./adapters/slack/router.ts";
import { createMetadataSeal } from "./adapters/slack/view-metadata.ts";
import { type Access, createAccess } from "./adapters/slack/access.ts";
import { createChannelMembership, registerMembershipEvents } from "./adapters/slack/membership.ts";
import { CommandRegistry } from "./adapters/slack/command-router.ts";
import { registerEventDeduplication } from "./adapters/slack/event-deduplication.ts";
import { createSlackGateway, type SlackGateway } from "./adapters/slack/gateway.ts";
import { slackEventsRoute } from "./adapters/slack/request-verification.ts";
import { createSlackDeliveryHandler, slackDeliveryKind } from "./adapters/slack/outbox.ts";

/**
 * Composition root: config → database → adapters → services → Slack app,
 * HTTP routes. `npm start`, `npm run demo` and the tests all start the bot
 * through `startApp`, so tests exercise exactly what production runs.
 */

export interface StartOptions {
  config: AppConfig;
  clock?: Clock;
  logger?: Logger;
  playbook?: Playbook;
  /** Overrides config.database (tests use an in-memory PGlite). */
  database?: DatabaseTarget;
  /** Interface to listen on; defaults to all interfaces. */
  host?: string;
  /**
   * false: the timer engine does not tick on its own; the caller drives it
   * with `scheduler.tick()` (tests on a test clock).
   */
  autoTick?: boolean;
  /** Scales the GitHub client's in-process retry waits (tests shorten them). */
  githubRetryBaseMs?: number;
}

export interface RunningApp {
  port: number;
  url: string;
  db: Database;
  slack: SlackGateway;
  log: Logger;
  tasks: BackgroundTasks;
  scheduler: Scheduler;
  /** The access policy as this app runs it (playbook and channel membership). */
  access: Access;
  /** Every subcommand, button, form, shortcut and event the bot answers, with its access rule. */
  entryPoints: SlackRouter["entries"];
  /** Settles once interrupted declarations found at startup are finished. */
  resumed: Promise<void>;
  stop(options?: { drainTimeoutMs?: number }): Promise<void>;
}

export async function startApp(options: StartOptions): Promise<RunningApp> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? createLogger(config.logLevel);
  const playbook = options.playbook ?? loadPlaybook(config.playbookFile);
  // Validated before anything starts: a broken template is a startup error.
  const noticeTemplates = loadNoticeTemplates(noticesDirFor(config.playbookFile));

  if (!config.github.enabled) {
    log.warn({ missing: config.github.missing }, "GitHub follow-ups are off: settings missing");
  } else if (!config.github.webhookSecret) {
    log.warn(
      {},
      "GITHUB_WEBHOOK_SECRET is not set: /github/webhook refuses deliveries, so closed issues are noticed only by the periodic reconcile",
    );
  }

  const db = await openDatabase(options.database ?? config.database);
  log.info({ database: db.kind, applied: db.migrations.applied }, "database ready");

  const tasks = new BackgroundTasks();
  const statusPage = createStatusPage({
    prisma: db.prisma,
    playbook,
    clock,
    log: log.child({ component: "status-page" }),
    defaultUrl: `http://localhost:${config.port}/status`,
    track: (work) => tasks.track(work),
  });
  const { app, receiver, disconnect } = createSlackApp(config.slack, log);
  const slack = createSlackGateway(app.client);
  const slackAuth = checkSlackAuth(slack, log);

  const incidents = createIncidentRepository(db.prisma);
  const membership = createChannelMembership({ slack, clock, log: log.child({ component: "access" }) });
  const access = createAccess(playbook, membership, async (incidentId) =>
    // The status page shows an incident from its first public update on (comms/status-page/snapshot.ts).
    (await db.prisma.timelineEvent.count({
      where: { incidentId, kind: "status_update", data: { path: ["public"], equals: true } },
    })) > 0,
  );
  const announcementChannel = memoizeSuccess(() =>
    resolveChannel(slack, config.announceChannel ?? playbook.announcementChannel),
  );
  const deliverySlack = createSlackGateway(createDeliveryClient(config.slack));
  const scheduler: Scheduler = new Scheduler({
    prisma: db.prisma,
    clock,
    log: log.child({ component: "scheduler" }),
    tickSeconds: config.timers.tickSeconds,
    leaseSeconds: config.timers.leaseSeconds,
    handlers: {
      [slackDeliveryKind]: createSlackDeliveryHandler({ prisma: db.prisma, slack: deliverySlack }),
      [updateReminderKind]: createUpdateReminderHandler({ prisma: db.prisma, incidents, playbook }),
      [refreshSurfacesKind]: createRefreshSurfacesHandler({ incidents, slack: deliverySlack }),
    },
    onFailure: createFailureAlerter(announcementChannel),
  });
  const status: StatusDependencies = {
    prisma: db.prisma,
    incidents,
    playbook,
    clock,
    wake: () => scheduler.wake(),
    onChange: (incidentId) => {
      statusPage.invalidate();
      refreshIncidentHomes(followUps, incidentId);
    },
    hooks: {
      activated: (tx, incident, now) => scheduleNoticeDeadline(tx, incident, playbook, now),
      resolved: async (tx, incident, actorId, now) => {
        await draftResolvedNotice({ playbook, templates: noticeTemplates, clock }, tx, incident, actorId, now);
        await onIncidentResolved(followUps, tx, incident, actorId, now);
      },
    },
  };
  const declare: DeclareDependencies = {
    incidents,
    slack,
    clock,
    log,
    announcementChannel,
    activate: (incident) => activateIncident(status, incident),
    retryLater: (incident) => scheduleDeclarationRetry(status, incident),
  };
  scheduler.registerHandler(completeDeclarationKind, createCompleteDeclarationHandler(declare));
  const capability: IncidentCapability = { incidents, slack, playbook, tasks, status, declare };
  const paging: PagingCapability = { ...status, slack, membership };
  scheduler.registerHandler(
    escalationKind,
    createEscalationHandler({ ...status, slack: deliverySlack }),
  );
  scheduler.registerHandler(checklistDeadlineKind, createChecklistDeadlineHandler(status));
  const notices: NoticeCapability = {
    ...status,
    templates: noticeTemplates,
    slack,
    ...(config.smtp ? { mailer: createNoticeMailer(config.smtp) } : {}),
  };
  scheduler.registerHandler(noticeDeadlineKind, createNoticeDeadlineHandler(notices));
  scheduler.registerHandler(noticeSendKind, createNoticeSendHandler(notices));

  const followUps: FollowUpCapability = {
    prisma: db.prisma,
    incidents,
    playbook,
    clock,
    log: log.child({ component: "follow-ups" }),
    slack,
    access,
    wake: () => scheduler.wake(),
    githubRepository: config.github.enabled ? config.github.repository : undefined,
    actionItemsChanged: (userIds) => refreshHomes(followUps, userIds),
    track: (work) => void tasks.track(work),
  };
  const github = config.github.enabled
    ? createGitHubClient({
        token: config.github.token,
        repository: config.github.repository,
        apiUrl: config.github.apiUrl,
        log: log.child({ component: "github" }),
        ...(options.githubRetryBaseMs !== undefined ? { retryBaseMs: options.githubRetryBaseMs } : {}),
      })
    : undefined;
  const githubSync: GitHubSyncDependencies | undefined =
    config.github.enabled
      ? {
          prisma: db.prisma,
          playbook,
          clock,
          log: log.child({ component: "github-sync" }),
          repository: config.github.repository,
          wake: followUps.wake,
          actionItemsChanged: followUps.actionItemsChanged,
        }
      : undefined;
  if (github && githubSync) {
    scheduler.registerHandler(
      githubIssueKind,
      createGitHubIssueHandler({ ...followUps, slack: deliverySlack, github, log: log.child({ component: "github-outbox" }) }),
    );
    scheduler.registerHandler(
      githubIssueStateKind,
      createIssueStateHandler({ prisma: db.prisma, github, log: log.child({ component: "github-outbox" }) }),
    );
    scheduler.registerHandler(githubReconcileKind, createReconcileHandler({ ...githubSync, github }));
  }
  for (const [kind, handler] of Object.entries({
    ...postmortemTimerHandlers(followUps),
    ...managerTimerHandlers(followUps),
  })) {
    scheduler.registerHandler(kind, handler);
  }

  registerWorkTracking(app, tasks);
  registerEventDeduplication(app, db.prisma);
  const registry = new CommandRegistry("declare").register(
    ...incidentSubcommands(capability),
    ...pagingSubcommands(paging),
    ...noticeSubcommands(notices),
    ...actionItemSubcommands(followUps),
    ...managerSubcommands(followUps),
    ...postmortemSubcommands(followUps),
  );
  const router = new SlackRouter({
    app,
    incidents,
    access,
    slack,
    // Forms are sealed with a key only the bot knows: the signing secret in HTTP mode, else a token.
    seal: createMetadataSeal(config.slack.signingSecret ?? config.slack.appToken ?? config.slack.botToken),
    log: log.child({ component: "slack-router" }),
  });
  router.commands(registry);
  registerIncidentInteractions(router, capability);
  registerPagingInteractions(router, paging);
  registerChecklistInteractions(router, status);
  registerNoticeInteractions(router, notices);
  registerActionItemInteractions(router, followUps);
  registerPostmortemInteractions(router, followUps);
  registerCaptureInteractions(router, followUps);
  registerManagerViews(router, followUps);
  registerMembershipEvents(router, membership);

  let server: RunningServer;
  try {
    await statusPage.start();
    await scheduleManagerTimers(followUps);
    if (githubSync) {
      const { revived } = await prepareGitHubTimers(githubSync);
      if (revived > 0) log.warn({ revived }, "retrying GitHub work that had failed before this start");
    }
    server = await startHttpServer({
      port: config.port,
      ...(options.host ? { host: options.host } : {}),
      routes: Object.assign(healthRoutes([
        {
          name: "database",
          check: async () => {
            await db.ping();
            return { ok: true };
          },
        },
        { name: "slack", check: slackAuth.status },
      ]), statusPage.routes, githubSync
        ? githubWebhookRoutes({ ...githubSync, secret: config.github.enabled ? config.github.webhookSecret : undefined })
        : {}, receiver
        ? slackEventsRoute({
            signingSecret: config.slack.signingSecret!,
            prisma: db.prisma,
            bolt: receiver.requestListener,
            log: log.child({ component: "slack-http" }),
            maxBodyBytes: defaultHttpLimits.maxBodyBytes,
          })
        : {}),
      log: log.child({ component: "http" }),
      limits: config.http,
    });
    if (config.slack.mode === "socket") await app.start();
    if (options.autoTick !== false) scheduler.start();
  } catch (error) {
    statusPage.stop();
    await db.close();
    throw error;
  }
  log.info({ port: server.port, mode: config.slack.mode }, "incident bot listening");

  const resumed = tasks
    .track(resumeDeclarations(capability.declare))
    .then(() => undefined)
    .catch((error: unknown) => log.error({ err: error }, "resuming declarations failed"));

  let stopping: Promise<void> | undefined;
  const stop = (stopOptions?: { drainTimeoutMs?: number }) => {
    stopping ??= (async () => {
      log.info({}, "shutting down: no new requests, finishing in-flight work");
      const closed = server.close();
      statusPage.stop();
      // Socket Mode: no new envelopes while the work in flight drains (Slack sends them to the
      // app's other connections). Acks are sent before that work, so none is cut off.
      await disconnect?.();
      // No new tick starts; the one running (a delivery mid-call, say) commits its outcome
      // before the database closes. A run cut off anyway is taken over once its lease expires.
      await withTimeout(scheduler.stop(), stopOptions?.drainTimeoutMs ?? 20_000);
      const { unfinished } = await tasks.drain(stopOptions?.drainTimeoutMs ?? 20_000);
      if (unfinished > 0) log.warn({ unfinished }, "shutdown timed out with work still running");
      // Never hang a rolling deploy: a connection or pool that will not close
      // in time is abandoned (the process is exiting anyway).
      await withTimeout(closed, 5_000);
      await withTimeout(db.close(), 5_000);
      log.info({}, "shutdown complete");
    })();
    return stopping;
  };

  return {
    port: server.port,
    url: `http://127.0.0.1:${server.port}`,
    db,
    slack,
    log,
    tasks,
    scheduler,
    access,
    entryPoints: () => router.entries(),
    resumed,
    stop,
  };
}

/** `C0123…` is used as is; `#name` is looked up once (conversations.list). */
async function resolveChannel(slack: SlackGateway, channel: string): Promise<string | undefined> {
  if (/^[CG][A-Z0-9]{2,}$/.test(channel)) return channel;
  const id = await slack.findChannelIdByName(channel);
  if (!id)
    throw new Error(`announcement channel ${channel} was not found; invite the bot or use its ID`);
  return id;
}

/** Caches a successful result; a failure is retried on the next call. */
function memoizeSuccess<T>(load: () => Promise<T>): () => Promise<T> {
  let cached: Promise<T> | undefined;
  return () => {
    cached ??= load().catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}

function checkSlackAuth(slack: SlackGateway, log: Logger) {
  let verified = false;
  let lastProblem = "not checked yet";
  const verify = async () => {
    try {
      const identity = await slack.authTest();
      verified = true;
      log.info({ botUserId: identity.userId, teamId: identity.teamId }, "slack token verified");
    } catch (error) {
      lastProblem = (error as Error).message;
      log.error(
        { reason: lastProblem },
        "slack auth.test failed: check SLACK_BOT_TOKEN and SLACK_API_URL",
      );
    }
  };
  void verify();
  return {
    status: async () => {
      if (!verified) await verify();
      return verified ? { ok: true } : { ok: false, detail: lastProblem };
    },
  };
}

async function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
