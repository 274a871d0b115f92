import { setTimeout as sleep } from "node:timers/promises";
import {
  App,
  type Logger as BoltLogger,
  HTTPReceiver,
  LogLevel,
  SocketModeReceiver,
} from "@slack/bolt";
import { WebClient, type WebClientOptions } from "@slack/web-api";
import type { AppConfig } from "../../core/config/env.ts";
import type { Logger } from "../../core/logging.ts";
import { memoizeSuccess } from "../../core/async.ts";
import type { BackgroundTasks } from "../../core/background-tasks.ts";

/**
 * The Bolt app, in HTTP mode (requests arrive at POST /slack/events on our
 * own HTTP server) or in Socket Mode when SLACK_APP_TOKEN is set.
 */

export interface SlackApp {
  app: App;
  /** The Web API client with the bot token, for the gateway. */
  client: WebClient;
  /** Present in HTTP mode: hands /slack/events requests to Bolt. */
  receiver?: HTTPReceiver;
  /** Present in Socket Mode: closes the socket and resolves once it is closed. */
  disconnect?: () => Promise<void>;
}

// A peer that never answers the close frame would otherwise hold shutdown for the client's 30 s.
const socketCloseTimeoutMs = 5_000;

// Interactive paths must not wait half an hour on a 429 (the WebClient
// default); a few quick retries, honouring Retry-After, then a clear error.
const webClientRetries: WebClientOptions["retryConfig"] = {
  retries: 3,
  factor: 2,
  minTimeout: 200,
  maxTimeout: 2_000,
  randomize: true,
};

/**
 * A client for the timer engine's deliveries: it never retries or waits on
 * its own, because a failed delivery is retried durably by its timer and a
 * 429 defers the timer by Retry-After.
 */
export function createDeliveryClient(config: AppConfig["slack"]): WebClient {
  return new WebClient(config.botToken, {
    slackApiUrl: config.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
}

export function createSlackApp(config: AppConfig["slack"], log: Logger): SlackApp {
  const clientOptions: WebClientOptions = {
    slackApiUrl: config.apiUrl,
    retryConfig: webClientRetries,
  };
  const logger = boltLogger(log);
  const client = new WebClient(config.botToken, clientOptions);
  const authorize = botAuthorization(client, config.botToken);
  if (config.mode === "socket") {
    // Built here, not by App, because Bolt's app.stop() only starts the close handshake; shutdown
    // waits for the socket to close through `disconnect`.
    const socketMode = new SocketModeReceiver({
      appToken: config.appToken!,
      logger,
      installerOptions: { clientOptions },
    });
    const app = new App({
      authorize,
      receiver: socketMode,
      socketMode: true,
      logger,
      clientOptions,
    });
    const disconnect = () =>
      Promise.race([
        socketMode.client.disconnect(),
        sleep(socketCloseTimeoutMs, undefined, { ref: false }),
      ]);
    return { app, client, disconnect };
  }
  const receiver = new HTTPReceiver({
    signingSecret: config.signingSecret!,
    endpoints: "/slack/events",
    processBeforeResponse: false,
    logger,
    // Bolt's default logs without the request, and only a fixed sentence: ours names the request id the
    // HTTP server gave the response, and the error.
    processEventErrorHandler: async ({ error, response }) => {
      const requestId = response.getHeader("x-request-id");
      if (response.headersSent) {
        log.error({ err: error, requestId }, "slack listener failed after its ack");
        return false;
      }
      log.error({ err: error, requestId }, "slack request could not be processed");
      response.writeHead(500, { "content-length": 0 });
      response.end();
      return false;
    },
  });
  const app = new App({ authorize, receiver, logger, clientOptions });
  return { app, client, receiver };
}

/**
 * Bolt's own `token` option calls auth.test once, as the app is built, and keeps
 * that promise forever: if Slack is unreachable at that moment, the rejection is
 * unhandled (the process dies) and every later request would fail with it. This
 * asks when a request first needs the bot's identity, keeps only a success, and
 * tries again on the next request after a failure. /readyz reports the outage meanwhile.
 */
function botAuthorization(client: WebClient, botToken: string) {
  const identity = memoizeSuccess(async () => {
    const result = await client.auth.test();
    return { botId: result.bot_id, botUserId: result.user_id, teamId: result.team_id };
  });
  return async () => ({ botToken, ...(await identity()) });
}

/**
 * Everything a listener does after its ack is tracked, so SIGTERM (and tests)
 * can wait for in-flight work instead of cutting it in half.
 */
export function registerWorkTracking(app: App, tasks: BackgroundTasks): void {
  app.use(async ({ next }) => {
    await tasks.track(next());
  });
}

function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: "bolt" });
  let level = LogLevel.INFO;
  const format = (messages: unknown[]) => messages.map(String).join(" ");
  return {
    debug: (...messages) => child.debug(format(messages)),
    info: (...messages) => child.info(format(messages)),
    warn: (...messages) => child.warn(format(messages)),
    error: (...messages) => child.error(format(messages)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
