import type { SlackRouter } from "../adapters/slack/router.ts";
import { CommandRegistry } from "../adapters/slack/command-router.ts";
import type { BotModule } from "../capabilities/module.ts";
import type { ReadinessCheck } from "../core/http/health.ts";
import type { HttpRoutes } from "../core/http/server.ts";
import type { Scheduler } from "../core/scheduler/scheduler.ts";
import type { IncidentEvents } from "../domain/incidents/events.ts";

/**
 * Installs the modules: their timer kinds into the timer engine, their event
 * subscriptions, their subcommands and Slack listeners into the router, and
 * collects their HTTP routes and readiness checks. Two modules claiming the
 * same timer kind, route or entry point is a startup error, not a silent
 * override.
 */
export function installModules(
  modules: readonly BotModule[],
  into: { scheduler: Scheduler; events: IncidentEvents; router: SlackRouter },
): { routes: HttpRoutes; readiness: ReadinessCheck[] } {
  const registry = new CommandRegistry("declare");
  const routes: HttpRoutes = {};
  const readiness: ReadinessCheck[] = [];
  const timerOwners = new Map<string, string>();
  for (const module of modules) {
    for (const [kind, handler] of Object.entries(module.timers ?? {})) {
      const owner = timerOwners.get(kind);
      if (owner) throw new Error(`timer kind ${kind} is claimed by both ${owner} and ${module.name}`);
      timerOwners.set(kind, module.name);
      into.scheduler.registerHandler(kind, handler);
    }
    Object.assign(routes, mergeRoutes(routes, module.routes ?? {}));
    module.subscribe?.(into.events);
    registry.register(...(module.subcommands ?? []));
    readiness.push(...(module.readiness ?? []));
  }
  into.router.commands(registry);
  for (const module of modules) module.interactions?.(into.router);
  return { routes, readiness };
}

/** Joins route tables; a route claimed twice is a startup error, never a silent override. */
export function mergeRoutes(...tables: HttpRoutes[]): HttpRoutes {
  const merged: HttpRoutes = {};
  for (const table of tables) {
    for (const [route, handler] of Object.entries(table)) {
      if (merged[route]) throw new Error(`route ${route} is claimed twice`);
      merged[route] = handler;
    }
  }
  return merged;
}
