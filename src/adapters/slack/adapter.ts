import type { BackgroundTasks } from "../../core/background-tasks.ts";
import type { Clock } from "../../core/clock.ts";
import type { AppConfig } from "../../core/config/env.ts";
import type { Playbook } from "../../core/config/playbook.ts";
import type { ReadinessCheck } from "../../core/http/health.ts";
import { defaultHttpLimits, type HttpRoutes } from "../../core/http/server.ts";
import type { Logger } from "../../core/logging.ts";
import type { Metrics } from "../../core/metrics/metrics.ts";
import type { IncidentRepository } from "../../domain/incidents/repository.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { type Access, createAccess } from "./access.ts";
import { createDeliveryClient, createSlackApp, registerWorkTracking } from "./app.ts";
import { registerEventDeduplication } from "./event-deduplication.ts";
import { createSlackLookupCache } from "./lookup-cache.ts";
import { createSlackGateway, type SlackGateway } from "./gateway.ts";
import { type ChannelMembership, createChannelMembership } from "./membership.ts";
import { slackEventsRoute } from "./request-verification.ts";
import { type EventBody, SlackRouter } from "./router.ts";
import { createMetadataSeal } from "./view-metadata.ts";

/**
 * Everything the bot needs of Slack, built once: Bolt (HTTP or Socket Mode),
 * the two gateways (interactive, with retries; delivery, without), channel
 * membership, the access policy as Slack facts feed it, and the router every
 * entry point registers with.
 */
export interface SlackAdapter {
  slack: SlackGateway;
  deliverySlack: SlackGateway;
  membership: ChannelMembership;
  access: Access;
  router: SlackRouter;
  /** POST /slack/events in HTTP mode (signature and replay checks before Bolt). */
  routes: HttpRoutes;
  readiness: ReadinessCheck;
  /** Opens the Socket Mode connection (HTTP mode: nothing to do). */
  connect(): Promise<void>;
  /** Socket Mode: closes the socket, so Slack sends new envelopes to other replicas. */
  disconnect(): Promise<void>;
}

export function createSlackAdapter(deps: {
  config: AppConfig;
  playbook: Playbook;
  prisma: PrismaClient;
  incidents: IncidentRepository;
  tasks: BackgroundTasks;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
}): SlackAdapter {
  const { config, log } = deps;
  const { app, client, receiver, disconnect } = createSlackApp(config.slack, log);
  // One cache for both gateways: a DM channel the delivery path opened serves the interactive path too.
  const lookups = createSlackLookupCache({ clock: deps.clock });
  const slack = lookups.wrap(
    createSlackGateway(client, (method, outcome) => deps.metrics?.countSlackCall("interactive", method, outcome)),
  );
  const membership = createChannelMembership({ slack, clock: deps.clock, log: log.child({ component: "access" }) });
  // The status page shows an incident from its first public update on, and then its severity and resolution are public.
  const access = createAccess(deps.playbook, membership, (incidentId) => deps.incidents.hasPublicUpdate(incidentId));
  registerWorkTracking(app, deps.tasks);
  registerEventDeduplication(app, deps.prisma);
  const router = new SlackRouter({
    app,
    incidents: deps.incidents,
    access,
    slack,
    // Forms are sealed with a key only the bot knows: the signing secret in HTTP mode, else a token.
    seal: createMetadataSeal(config.slack.signingSecret ?? config.slack.appToken ?? config.slack.botToken),
    log: log.child({ component: "slack-router" }),
  });
  registerMembershipEvents(router, membership);
  const auth = checkSlackAuth(slack, log);
  return {
    slack,
    deliverySlack: lookups.wrap(
      createSlackGateway(createDeliveryClient(config.slack), (method, outcome) =>
        deps.metrics?.countSlackCall("delivery", method, outcome),
      ),
    ),
    membership,
    access,
    router,
    routes: receiver
      ? slackEventsRoute({
          signingSecret: config.slack.signingSecret!,
          prisma: deps.prisma,
          bolt: receiver.requestListener,
          log: log.child({ component: "slack-http" }),
          maxBodyBytes: defaultHttpLimits.maxBodyBytes,
        })
      : {},
    readiness: { name: "slack", check: auth.status },
    connect: async () => {
      if (config.slack.mode === "socket") await app.start();
    },
    disconnect: async () => {
      await disconnect?.();
    },
  };
}

/** `C0123…` is used as is; `#name` is looked up once (conversations.list). */
export async function resolveChannel(slack: SlackGateway, channel: string): Promise<string | undefined> {
  if (/^[CG][A-Z0-9]{2,}$/.test(channel)) return channel;
  const id = await slack.findChannelIdByName(channel);
  if (!id)
    throw new Error(`channel ${channel} was not found; invite the bot or use its ID`);
  return id;
}

/** auth.test once at startup, and again from /readyz until it succeeds. */
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

/** Slack says when someone joins or leaves a channel the bot is in: the cached list is dropped. */
function registerMembershipEvents(router: SlackRouter, membership: ChannelMembership): void {
  for (const event of ["member_joined_channel", "member_left_channel"]) {
    router.event({
      event,
      access: { open: "only drops the cached member list of the channel; acts on no incident" },
      run: async (body: EventBody) => {
        if (typeof body.channel === "string") membership.forget(body.channel);
      },
    });
  }
}
