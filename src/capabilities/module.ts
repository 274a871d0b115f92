import type { Access } from "../adapters/slack/access.ts";
import type { SlackGateway } from "../adapters/slack/gateway.ts";
import type { ChannelMembership } from "../adapters/slack/membership.ts";
import type { SlackRouter } from "../adapters/slack/router.ts";
import type { Subcommand } from "../adapters/slack/command-router.ts";
import type { BackgroundTasks } from "../core/background-tasks.ts";
import type { Clock } from "../core/clock.ts";
import type { AppConfig } from "../core/config/env.ts";
import type { Playbook } from "../core/config/playbook.ts";
import type { ReadinessCheck } from "../core/http/health.ts";
import type { HttpRoutes } from "../core/http/server.ts";
import type { Logger } from "../core/logging.ts";
import type { Metrics } from "../core/metrics/metrics.ts";
import type { TimerHandler } from "../core/scheduler/types.ts";
import type { IncidentEvents } from "../domain/incidents/events.ts";
import type { IncidentRepository } from "../domain/incidents/repository.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";

/**
 * The module contract. Each capability exports one `ModuleFactory`: given the
 * core, it says what it adds to the bot. `src/main.ts` builds the core once
 * and installs the list of modules; nothing else wires a capability in.
 * Capabilities never import each other: they react to the core's domain
 * events (domain/incidents/events.ts) and share only what the core holds.
 */
export interface Core {
  config: AppConfig;
  playbook: Playbook;
  clock: Clock;
  log: Logger;
  prisma: PrismaClient;
  incidents: IncidentRepository;
  /** Published inside the transaction that causes them; see core/events.ts. */
  events: IncidentEvents;
  /** Work that continues after an ack; shutdown waits for it. */
  tasks: BackgroundTasks;
  /** Nudges the timer engine, so queued work (outbox posts, GitHub issues) goes out now. */
  wake(): void;
  /** For work done while a person waits: the client retries 429s and 5xx itself. */
  slack: SlackGateway;
  /** For timer handlers: the client never retries, the timer does (with its lease and backoff). */
  deliverySlack: SlackGateway;
  membership: ChannelMembership;
  /** The one access policy, as this bot runs it (playbook + channel membership). */
  access: Access;
  /** The announcement channel's id (looked up once), or undefined when none is set. */
  announcementChannel(): Promise<string | undefined>;
  /** Prometheus counters and histograms (GET /metrics; docs/METRICS.md). */
  metrics: Metrics;
  /** Scales the GitHub client's in-process retry waits (tests shorten them). */
  githubRetryBaseMs?: number;
}

export interface BotModule {
  /** For logs and docs. */
  name: string;
  /** `/incident <name>` subcommands; each declares its access rule. */
  subcommands?: Subcommand<unknown>[];
  /** Buttons, forms, shortcuts and events, registered with the router, which asks the access policy first. */
  interactions?(router: SlackRouter): void;
  /** Durable timer kinds this module owns, with their handlers. */
  timers?: Record<string, TimerHandler>;
  /** HTTP routes (`"GET /status"` → handler). */
  routes?: HttpRoutes;
  /** Reactions to domain events. */
  subscribe?(events: IncidentEvents): void;
  /** Checks for GET /readyz. */
  readiness?: ReadinessCheck[];
  /** Startup work, awaited before the HTTP server listens (a failure stops the start). */
  start?(): Promise<void>;
  /** Work that may run once the bot listens (finishing interrupted declarations). */
  resume?(): Promise<void>;
  stop?(): void;
}

export type ModuleFactory = (core: Core) => BotModule;
