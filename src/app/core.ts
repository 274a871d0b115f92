import { createSlackAdapter, resolveChannel, type SlackAdapter } from "../adapters/slack/adapter.ts";
import { createFailureAlerter } from "../adapters/slack/failure-alerts.ts";
import { createSlackDeliveryHandler, slackDeliveryKind } from "../adapters/slack/outbox.ts";
import type { Core } from "../capabilities/module.ts";
import { memoizeSuccess } from "../core/async.ts";
import { BackgroundTasks } from "../core/background-tasks.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import type { AppConfig } from "../core/config/env.ts";
import { loadPlaybook, type Playbook } from "../core/config/playbook.ts";
import { type Database, type DatabaseTarget, openDatabase } from "../core/db/database.ts";
import { DomainEvents } from "../core/events.ts";
import { createLogger, type Logger } from "../core/logging.ts";
import { Metrics } from "../core/metrics/metrics.ts";
import { Scheduler } from "../core/scheduler/scheduler.ts";
import type { IncidentEvent } from "../domain/incidents/events.ts";
import { countOpenIncidents, openIncidentStatuses } from "../domain/incidents/open-counts.ts";
import { createIncidentRepository } from "../domain/incidents/repository.ts";

export interface CoreOptions {
  config: AppConfig;
  clock?: Clock;
  logger?: Logger;
  playbook?: Playbook;
  /** Overrides config.database (tests use an in-memory PGlite). */
  database?: DatabaseTarget;
  /** Scales the GitHub client's in-process retry waits (tests shorten them). */
  githubRetryBaseMs?: number;
}

/** The core and what only the composition root touches: the database handle, the timer engine, Slack's adapter. */
export interface BuiltCore {
  core: Core;
  db: Database;
  scheduler: Scheduler;
  slackAdapter: SlackAdapter;
}

/**
 * Builds what every capability stands on: settings and playbook, logging, the
 * database, background work, the timer engine, domain events, the incident
 * repository and Slack. Nothing here knows a capability.
 */
export async function buildCore(options: CoreOptions): Promise<BuiltCore> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? createLogger(config.logLevel);
  const playbook = options.playbook ?? loadPlaybook(config.playbookFile);

  const db = await openDatabase(options.database ?? config.database);
  log.info({ database: db.kind, applied: db.migrations.applied }, "database ready");

  try {
    const tasks = new BackgroundTasks();
    const metrics = new Metrics({
      clock,
      log: log.child({ component: "metrics" }),
      summaryWindowSeconds: config.metrics.cacheSeconds,
      incidentLabels: { severities: Object.keys(playbook.severities), openStatuses: openIncidentStatuses },
    });
    const events = new DomainEvents<IncidentEvent>({ prisma: db.prisma, log });
    const incidents = createIncidentRepository(db.prisma, events);
    const slackAdapter = createSlackAdapter({ config, playbook, prisma: db.prisma, incidents, tasks, clock, log, metrics });
    const announcementChannel = memoizeSuccess(() =>
      resolveChannel(slackAdapter.slack, config.announceChannel ?? playbook.announcementChannel),
    );
    const scheduler = new Scheduler({
      prisma: db.prisma,
      clock,
      log: log.child({ component: "scheduler" }),
      tickSeconds: config.timers.tickSeconds,
      leaseSeconds: config.timers.leaseSeconds,
      handlers: {
        [slackDeliveryKind]: createSlackDeliveryHandler({ prisma: db.prisma, slack: slackAdapter.deliverySlack }),
      },
      onFailure: createFailureAlerter(announcementChannel),
      metrics,
    });
    metrics.registerOutbox("slack", [slackDeliveryKind]);
    // One query set per window however often /metrics is scraped (core/metrics/cached-summary.ts).
    metrics.setSummaryLoader(async (now) => {
      const [timers, openIncidents] = await Promise.all([scheduler.summarize(now), countOpenIncidents(db.prisma)]);
      return { timers, openIncidents };
    });
    // After every commit through the bus, outbox posts and new timers go out now, not at the next tick.
    events.afterEveryCommit(() => scheduler.wake());

    const core: Core = {
      config,
      playbook,
      clock,
      log,
      prisma: db.prisma,
      incidents,
      events,
      tasks,
      wake: () => scheduler.wake(),
      slack: slackAdapter.slack,
      deliverySlack: slackAdapter.deliverySlack,
      membership: slackAdapter.membership,
      access: slackAdapter.access,
      announcementChannel,
      metrics,
      ...(options.githubRetryBaseMs !== undefined ? { githubRetryBaseMs: options.githubRetryBaseMs } : {}),
    };
    return { core, db, scheduler, slackAdapter };
  } catch (error) {
    // Nothing else holds the database yet: a start that fails here must not leave it open.
    await db.close();
    throw error;
  }
}
