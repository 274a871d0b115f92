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
import type { BackgroundTasks } from "../../core/background-tasks.ts";

/**
 * The Bolt app, in HTTP mode (requests arrive at POST /slack/events on our
 * own HTTP server) or in Socket Mode when SLACK_APP_TOKEN is set.
 */

export interface SlackApp {
  app: App;
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
  if (config.mode === "socket") {
    // Built here, not by App, because Bolt's app.stop() only starts the close handshake; shutdown
    // waits for the socket to close through `disconnect`.
    const socketMode = new SocketModeReceiver({
      appToken: config.appToken!,
      logger,
      installerOptions: { clientOptions },
    });
    const app = new App({
      token: config.botToken,
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
    return { app, disconnect };
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
  const app = new App({ token: config.botToken, receiver, logger, clientOptions });
  return { app, receiver };
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
