import { buildCore, type CoreOptions } from "./app/core.ts";
import { installModules, mergeRoutes } from "./app/install.ts";
import type { Access } from "./adapters/slack/access.ts";
import type { SlackGateway } from "./adapters/slack/gateway.ts";
import type { SlackRouter } from "./adapters/slack/router.ts";
import { alertsModule } from "./capabilities/alerts/module.ts";
import { checklistsModule } from "./capabilities/checklists/module.ts";
import { followUpsModule } from "./capabilities/followups/module.ts";
import { incidentsModule } from "./capabilities/incidents/module.ts";
import type { BotModule, ModuleFactory } from "./capabilities/module.ts";
import { noticesModule } from "./capabilities/notices/module.ts";
import { pagingModule } from "./capabilities/paging/module.ts";
import { remindersModule } from "./capabilities/reminders/module.ts";
import { statusPageModule } from "./capabilities/status-page/module.ts";
import { withTimeout } from "./core/async.ts";
import type { BackgroundTasks } from "./core/background-tasks.ts";
import type { Database } from "./core/db/database.ts";
import { healthRoutes } from "./core/http/health.ts";
import { type HttpRoutes, type RunningServer, startHttpServer } from "./core/http/server.ts";
import type { Logger } from "./core/logging.ts";
import type { Metrics } from "./core/metrics/metrics.ts";
import { metricsRoutes } from "./core/metrics/route.ts";
import type { Scheduler } from "./core/scheduler/scheduler.ts";

/**
 * Composition root: build the core, install the capabilities, listen.
 * `npm start`, `npm run demo` and the tests all start the bot through
 * `startApp`, so tests exercise exactly what production runs.
 *
 * The order of the list is the order in which a domain event's subscribers
 * run inside its transaction (on activation: page, then the customer notice's
 * draft and deadline, then checklists, then the first update reminder). The
 * channel's posts go out in that order at Slack's pace of one a second, so
 * the notice customers are waiting for comes before the checklists.
 */
export const modules: readonly ModuleFactory[] = [
  incidentsModule,
  pagingModule,
  noticesModule,
  checklistsModule,
  remindersModule,
  statusPageModule,
  followUpsModule,
  alertsModule,
];

export interface StartOptions extends CoreOptions {
  /** Interface to listen on; defaults to all interfaces. */
  host?: string;
  /** false: the timer engine does not tick on its own; the caller drives it with `scheduler.tick()` (tests on a test clock). */
  autoTick?: boolean;
}

export interface RunningApp {
  port: number;
  url: string;
  db: Database;
  slack: SlackGateway;
  log: Logger;
  tasks: BackgroundTasks;
  scheduler: Scheduler;
  /** The app's own Prometheus registry and instruments (GET /metrics). */
  metrics: Metrics;
  /** The access policy as this app runs it (playbook and channel membership). */
  access: Access;
  /** Every HTTP route the bot serves (`"POST /alerts/generic"`), for the authorization tests. */
  httpRoutes: readonly string[];
  /** Every subcommand, button, form, shortcut and event the bot answers, with its access rule. */
  entryPoints: SlackRouter["entries"];
  /** Settles once interrupted work found at startup (declarations) is finished. */
  resumed: Promise<void>;
  stop(options?: { drainTimeoutMs?: number }): Promise<void>;
}

export async function startApp(options: StartOptions): Promise<RunningApp> {
  const { core, db, scheduler, slackAdapter } = await buildCore(options);
  const { log } = core;
  let installed: BotModule[] = [];
  let server: RunningServer | undefined;
  let httpRoutes: HttpRoutes | undefined;
  try {
    // A module whose setup fails (a broken notice template) stops the start.
    installed = modules.map((factory) => factory(core));
    const { routes, readiness } = installModules(installed, { scheduler, events: core.events, router: slackAdapter.router });
    for (const module of installed) await module.start?.();
    const databaseReady = {
      name: "database",
      check: async () => {
        await db.ping();
        return { ok: true };
      },
    };
    httpRoutes = mergeRoutes(
      healthRoutes([databaseReady, slackAdapter.readiness, ...readiness]),
      metricsRoutes(core.metrics, { token: core.config.metrics.token }),
      routes,
      slackAdapter.routes,
    );
    server = await startHttpServer({
      port: core.config.port,
      ...(options.host ? { host: options.host } : {}),
      routes: httpRoutes,
      log: log.child({ component: "http" }),
      limits: core.config.http,
      observe: (route, method, status, seconds) => core.metrics.observeHttpRequest(route, method, status, seconds),
    });
    await slackAdapter.connect();
    if (options.autoTick !== false) scheduler.start();
  } catch (error) {
    for (const module of installed) module.stop?.();
    await server?.close();
    await db.close();
    throw error;
  }
  const listening = server;
  log.info({ port: listening.port, mode: core.config.slack.mode }, "incident bot listening");

  const resumed = Promise.all(
    installed.map((module) =>
      module.resume
        ? core.tasks.track(module.resume()).catch((error: unknown) => log.error({ err: error, module: module.name }, "resuming interrupted work failed"))
        : undefined,
    ),
  ).then(() => undefined);

  let stopping: Promise<void> | undefined;
  const stop = (stopOptions?: { drainTimeoutMs?: number }) => {
    stopping ??= (async () => {
      const drainMs = stopOptions?.drainTimeoutMs ?? 20_000;
      log.info({}, "shutting down: no new requests, finishing in-flight work");
      const closed = listening.close();
      for (const module of installed) module.stop?.();
      // Socket Mode: no new envelopes while the work in flight drains (Slack sends them to the
      // app's other connections). Acks are sent before that work, so none is cut off.
      await slackAdapter.disconnect();
      // No new tick starts; the one running (a delivery mid-call, say) commits its outcome
      // before the database closes. A run cut off anyway is taken over once its lease expires.
      await withTimeout(scheduler.stop(), drainMs);
      const { unfinished } = await core.tasks.drain(drainMs);
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
    port: listening.port,
    url: `http://127.0.0.1:${listening.port}`,
    db,
    slack: core.slack,
    log,
    tasks: core.tasks,
    scheduler,
    metrics: core.metrics,
    access: core.access,
    entryPoints: () => slackAdapter.router.entries(),
    httpRoutes: Object.keys(httpRoutes ?? {}),
    resumed,
    stop,
  };
}
