import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { RecordingEmulator } from "../shared/emulator.ts";
import {
  closeServer,
  dropConnection,
  listen,
  pause,
  readBodyOrOverflow,
  serveFaultDelay,
  startListening,
} from "../shared/http.ts";
import type { RetryPolicy } from "../shared/outgoing-webhooks.ts";
import { type EventAction, eventActions, validateEvent } from "./events.ts";
import { type FaultFailure, type FaultKind, FaultInjector } from "./faults.ts";
import {
  type SubscriptionConfig,
  type WebhookDelivery,
  WebhookSender,
} from "./webhooks.ts";
import { defaultSeed, type Incident, type SeedData, type User, World } from "./world.ts";

export type PagerDutyEmulatorOptions = {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Replaces the default users and services. */
  seed?: Partial<SeedData>;
  /** Webhook v3 subscriptions from the start; more can be added with `webhooks.subscribe`. */
  subscriptions?: SubscriptionConfig[];
  /** How failed webhook deliveries are retried; `defaultRetryPolicy` unless told. */
  webhookRetry?: Partial<RetryPolicy>;
  /** The account's web address, for `html_url`s; `https://acme.pagerduty.com` by default. */
  htmlUrl?: string;
  /** Clock for timestamps and fault windows. */
  now?: () => number;
};

/**
 * PagerDuty retries a failed v3 delivery with backoff for a while; the emulator makes 3 attempts
 * in all, 1 s then 5 s apart, and waits 10 s for each answer. Tests shorten the waits.
 */
export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 3,
  backoffMs: [1_000, 5_000],
  timeoutMs: 10_000,
};

export type RecordedCall = {
  method: string;
  path: string;
  /** The parsed JSON body, or its text when it was not JSON. */
  body: unknown;
  /** The body's `event_action`, when it had a known one. */
  eventAction?: EventAction;
  /** HTTP status answered; 0 when the connection was dropped (connection_reset, drop_response). */
  status: number;
  /** The body answered, or for drop_response the body that was never delivered. */
  response: unknown;
  responseHeaders?: Record<string, string>;
  at: Date;
  /** Set when an injected fault decided the answer. */
  fault?: FaultKind;
};

export type HumanActionOptions = {
  /** The PagerDuty user acting on pagerduty.com or in the app; the incident's assignee by default. */
  by?: string;
};

export type HumanActionResult = {
  incident: Incident;
  /** The deliveries the change caused, already answered (retries included) by the receivers. */
  deliveries: WebhookDelivery[];
};

export interface PagerDutyEmulator extends RecordingEmulator<World, RecordedCall, FaultInjector> {
  /** `http://127.0.0.1:PORT`, to put in place of `https://events.pagerduty.com`. */
  readonly baseUrl: string;
  /** `http://127.0.0.1:PORT/v2/enqueue`. */
  readonly eventsUrl: string;
  /** Calls by `event_action` (`trigger`) or by `METHOD /path` (`POST /v2/enqueue`). */
  callsTo(target: string): RecordedCall[];
  readonly webhooks: WebhookSender;
  /** A person acknowledges the incident (by id or incident key); returns once the webhooks are answered. */
  acknowledge(incidentIdOrDedupKey: string, options?: HumanActionOptions): Promise<HumanActionResult>;
  resolve(incidentIdOrDedupKey: string, options?: HumanActionOptions): Promise<HumanActionResult>;
}

/** PagerDuty refuses events over 512 KB. */
const maxBodyBytes = 512 * 1024;

export async function startPagerDutyEmulator(
  options: PagerDutyEmulatorOptions = {},
): Promise<PagerDutyEmulator> {
  return startListening(new LoopbackPagerDutyEmulator(options), options);
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

class LoopbackPagerDutyEmulator implements PagerDutyEmulator {
  readonly world: World;
  readonly faults: FaultInjector;
  readonly webhooks: WebhookSender;
  private readonly recorded: RecordedCall[] = [];
  private readonly server: Server;
  private readonly now: () => number;
  private origin = "";
  private closed = false;
  /** Deliveries caused by the human action in progress, so the helper can await them. */
  private capture: Promise<WebhookDelivery>[] | undefined;

  constructor(options: PagerDutyEmulatorOptions) {
    this.now = options.now ?? Date.now;
    const base = defaultSeed();
    this.world = new World(
      { users: options.seed?.users ?? base.users, services: options.seed?.services ?? base.services },
      this.now,
    );
    this.faults = new FaultInjector(this.now);
    this.webhooks = new WebhookSender(
      this.now,
      { ...defaultRetryPolicy, ...options.webhookRetry },
      {
        api: "https://api.pagerduty.com",
        html: (options.htmlUrl ?? "https://acme.pagerduty.com").replace(/\/+$/, ""),
      },
    );
    for (const subscription of options.subscriptions ?? []) this.webhooks.subscribe(subscription);
    this.world.onEvent((event) => {
      const deliveries = this.webhooks.send(event);
      this.capture?.push(...deliveries);
    });
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent && !response.destroyed) {
          send(response, { status: 500, body: { status: "error", message: String(error) } });
        }
      });
    });
  }

  async listen(port: number, host: string): Promise<void> {
    this.origin = `http://${await listen(this.server, port, host)}`;
  }

  get baseUrl(): string {
    return this.origin;
  }

  get eventsUrl(): string {
    return `${this.origin}/v2/enqueue`;
  }

  get calls(): readonly RecordedCall[] {
    return this.recorded;
  }

  callsTo(target: string): RecordedCall[] {
    const wanted = target.trim();
    if (eventActions.includes(wanted as EventAction)) {
      return this.recorded.filter((call) => call.eventAction === wanted);
    }
    return this.recorded.filter(
      (call) => `${call.method} ${call.path}`.toUpperCase() === wanted.toUpperCase(),
    );
  }

  resetCalls(): void {
    this.recorded.length = 0;
  }

  acknowledge(idOrKey: string, options: HumanActionOptions = {}): Promise<HumanActionResult> {
    return this.actAsHuman(idOrKey, options, (incident, user) =>
      this.world.acknowledge(incident, { kind: "user", user }),
    );
  }

  resolve(idOrKey: string, options: HumanActionOptions = {}): Promise<HumanActionResult> {
    return this.actAsHuman(idOrKey, options, (incident, user) =>
      this.world.resolve(incident, { kind: "user", user }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.webhooks.close();
    await closeServer(this.server);
  }

  private async actAsHuman(
    idOrKey: string,
    options: HumanActionOptions,
    act: (incident: Incident, user: User) => void,
  ): Promise<HumanActionResult> {
    const incident = this.world.incident(idOrKey);
    if (!incident) throw new Error(`No PagerDuty incident ${idOrKey}`);
    const userId = options.by ?? incident.assignees[0]?.id;
    const user = userId ? this.world.user(userId) : undefined;
    if (!user) throw new Error(`No PagerDuty user ${String(userId)} in the emulated world`);
    const captured: Promise<WebhookDelivery>[] = [];
    this.capture = captured;
    try {
      act(incident, user);
    } finally {
      this.capture = undefined;
    }
    return { incident, deliveries: await Promise.all(captured) };
  }

  // ── HTTP ──────────────────────────────────────────────────────────────

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const at = new Date(this.now());
    const url = new URL(request.url ?? "/", this.origin);
    const method = (request.method ?? "GET").toUpperCase();
    const { body: raw, tooLarge } = await readBodyOrOverflow(request, maxBodyBytes);
    const parsed = parseJson(raw);
    const eventAction = actionOf(parsed);

    const record = (answer: Answer | undefined, fault?: FaultKind, delivered = true) => {
      this.recorded.push({
        method,
        path: url.pathname,
        body: parsed.ok ? parsed.value : raw.toString("utf8"),
        ...(eventAction ? { eventAction } : {}),
        status: delivered && answer ? answer.status : 0,
        response: answer?.body,
        ...(delivered && answer?.headers ? { responseHeaders: answer.headers } : {}),
        at,
        ...(fault ? { fault } : {}),
      });
    };

    const isEventsRoute = url.pathname === "/v2/enqueue";
    // Faults come first and, when one fires (other than drop_response), nothing is applied.
    const decision = isEventsRoute ? this.faults.decide(eventAction) : { delayMs: 0 };
    const goesOn = await serveFaultDelay(
      decision,
      response,
      () => this.closed,
      () => record(undefined, "connection_reset", false),
    );
    if (!goesOn) return;
    const failure = decision.failure;
    if (failure && failure.kind !== "drop_response") {
      const answer = faultAnswer(failure);
      record(answer, failure.kind);
      send(response, answer);
      return;
    }

    const answer = withRequestId(this.answer(method, url.pathname, parsed, tooLarge));
    if (failure?.kind === "drop_response") {
      record(answer, failure.kind, false);
      if (failure.holdMs) await pause(failure.holdMs);
      dropConnection(response);
      return;
    }
    record(answer);
    send(response, answer);
  }

  private answer(method: string, path: string, parsed: ParsedBody, tooLarge: boolean): Answer {
    if (path !== "/v2/enqueue") {
      return { status: 404, body: { status: "not found", message: "Not Found" } };
    }
    if (method !== "POST") {
      return {
        status: 405,
        body: { status: "method not allowed", message: "Only POST is allowed" },
        headers: { allow: "POST" },
      };
    }
    if (tooLarge) return invalidEvent([`Event object is larger than ${maxBodyBytes / 1024} KB`]);
    if (!parsed.ok) return invalidEvent(["Event object could not be parsed as JSON"]);
    const validation = validateEvent(parsed.value);
    if (!validation.ok) return invalidEvent(validation.errors);
    const service = this.world.serviceByIntegrationKey(validation.event.routingKey);
    if (!service) return invalidEvent(["Invalid routing key"]);
    const dedupKey = this.world.applyEvent(service, validation.event);
    return { status: 202, body: { status: "success", message: "Event processed", dedup_key: dedupKey } };
  }
}

type ParsedBody = { ok: true; value: unknown } | { ok: false };

function parseJson(raw: Buffer): ParsedBody {
  if (raw.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw.toString("utf8")) as unknown };
  } catch {
    return { ok: false };
  }
}

function actionOf(parsed: ParsedBody): EventAction | undefined {
  if (!parsed.ok || typeof parsed.value !== "object" || parsed.value === null) return undefined;
  const action = (parsed.value as { event_action?: unknown }).event_action;
  return eventActions.includes(action as EventAction) ? (action as EventAction) : undefined;
}

function invalidEvent(errors: string[]): Answer {
  return { status: 400, body: { status: "invalid event", message: "Event object is invalid", errors } };
}

function faultAnswer(failure: FaultFailure): Answer {
  switch (failure.kind) {
    case "server_error": {
      const status = failure.status ?? 500;
      return {
        status,
        body: { status: "error", message: status === 503 ? "Service Unavailable" : "Internal Server Error" },
      };
    }
    case "rate_limited":
      return {
        status: 429,
        body: {
          status: "throttle event",
          message: "Requests for this service are arriving too quickly.  Please retry later.",
        },
        headers: { "retry-after": String(failure.retryAfterSeconds ?? 60) },
      };
    default:
      throw new Error(`Fault ${failure.kind} has no HTTP answer`);
  }
}

function withRequestId(answer: Answer): Answer {
  return { ...answer, headers: { "x-request-id": randomUUID(), ...answer.headers } };
}

function send(response: ServerResponse, answer: Answer): void {
  if (response.headersSent || response.destroyed) return;
  const payload = JSON.stringify(answer.body ?? {});
  response.writeHead(answer.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
    ...answer.headers,
  });
  response.end(payload);
}
