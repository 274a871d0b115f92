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
import { type FaultFailure, type FaultKind, FaultInjector } from "./faults.ts";
import { type WebhookConfig, type WebhookDelivery, WebhookSender } from "./webhooks.ts";
import {
  type Actor,
  type Alert,
  defaultSeed,
  type Integration,
  type NewAlert,
  type Priority,
  type Responder,
  type SeedData,
  type WebhookAction,
  World,
} from "./world.ts";

export type ApiKey = {
  /** Sent as `Authorization: GenieKey <key>`. */
  key: string;
  /** The API integration's name, shown as the alert's integration and default source. */
  name: string;
  /** A key without create-and-update rights: writes answer 403. */
  readOnly?: boolean;
};

export type OpsgenieEmulatorOptions = {
  port?: number;
  host?: string;
  seed?: Partial<SeedData>;
  /** The keys the API accepts; one read-write key, `defaultApiKey`, unless told. */
  apiKeys?: ApiKey[];
  /** Outgoing Webhook integrations from the start; more with `webhooks.add`. */
  webhooks?: WebhookConfig[];
  /** How failed webhook deliveries are retried; `defaultRetryPolicy` unless told. */
  webhookRetry?: Partial<RetryPolicy>;
  /** Clock for timestamps and fault windows. */
  now?: () => number;
};

/** 3 attempts in all, 1 s then 5 s apart, 10 s for each answer; tests shorten the waits. */
export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 3, backoffMs: [1_000, 5_000], timeoutMs: 10_000 };

export const defaultApiKey = "3b0f8c2e-5d4a-4f6b-9c1e-7a2d8e6f0b91";

export type RecordedCall = {
  method: string;
  path: string;
  /** The matched route pattern, e.g. `POST /v2/alerts/:identifier/close`. */
  route?: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  response: unknown;
  responseHeaders?: Record<string, string>;
  at: Date;
  fault?: FaultKind;
  requestId: string;
};

/** What `GET /v2/alerts/requests/{requestId}` reports about an asynchronous request. */
export type RequestStatus = {
  success: boolean;
  action: WebhookAction;
  processedAt: string;
  integrationId: string;
  isSuccess: boolean;
  status: string;
  alertId: string;
  alias: string;
};

export type HumanActionOptions = {
  /** The Opsgenie user (username or id) acting in the web UI or app; the first seeded user by default. */
  user?: string;
};

export type HumanActionResult = { alert: Alert; deliveries: WebhookDelivery[] };

export interface OpsgenieEmulator extends RecordingEmulator<World, RecordedCall, FaultInjector> {
  /** `http://127.0.0.1:PORT`, in place of `https://api.opsgenie.com`. */
  readonly apiUrl: string;
  readonly apiKey: string;
  /** Calls by route pattern (`POST /v2/alerts/:identifier/close`) or concrete `METHOD /path`. */
  callsTo(target: string): RecordedCall[];
  readonly webhooks: WebhookSender;
  /** The statuses of processed requests, by requestId. */
  readonly requests: ReadonlyMap<string, RequestStatus>;
  /** A person acknowledges the alert (by id or alias); returns once the webhooks are answered. */
  acknowledge(aliasOrId: string, options?: HumanActionOptions): Promise<HumanActionResult>;
  /** A person closes the alert; named `closeAlert` because `close()` stops the emulator. */
  closeAlert(aliasOrId: string, options?: HumanActionOptions): Promise<HumanActionResult>;
}

export const routePatterns = [
  "POST /v2/alerts",
  "GET /v2/alerts",
  "GET /v2/alerts/requests/:requestId",
  "GET /v2/alerts/:identifier",
  "POST /v2/alerts/:identifier/acknowledge",
  "POST /v2/alerts/:identifier/close",
  "POST /v2/alerts/:identifier/notes",
] as const;

const maxBodyBytes = 256 * 1024;
const priorities: readonly Priority[] = ["P1", "P2", "P3", "P4", "P5"];
const responderTypes: readonly Responder["type"][] = ["team", "user", "escalation", "schedule"];

export async function startOpsgenieEmulator(options: OpsgenieEmulatorOptions = {}): Promise<OpsgenieEmulator> {
  return startListening(new LoopbackOpsgenieEmulator(options), options);
}

type Answer = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

type Context = {
  route: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  key: ApiKey & { integration: Integration };
  requestId: string;
};

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

class LoopbackOpsgenieEmulator implements OpsgenieEmulator {
  readonly world: World;
  readonly faults: FaultInjector;
  readonly webhooks: WebhookSender;
  readonly requests = new Map<string, RequestStatus>();
  private readonly keys: (ApiKey & { integration: Integration })[];
  private readonly recorded: RecordedCall[] = [];
  private readonly server: Server;
  private readonly now: () => number;
  private origin = "";
  private closed = false;
  private capture: Promise<WebhookDelivery>[] | undefined;

  constructor(options: OpsgenieEmulatorOptions) {
    this.now = options.now ?? Date.now;
    const base = defaultSeed();
    this.world = new World({ users: options.seed?.users ?? base.users, teams: options.seed?.teams ?? base.teams }, this.now);
    this.keys = (options.apiKeys ?? [{ key: defaultApiKey, name: "Incident Bot API" }]).map((key) => ({
      ...key,
      integration: { id: randomUUID(), name: key.name, type: "API" },
    }));
    this.faults = new FaultInjector(this.now, new Set(routePatterns));
    this.webhooks = new WebhookSender(this.now, { ...defaultRetryPolicy, ...options.webhookRetry });
    for (const config of options.webhooks ?? []) this.webhooks.add(config);
    this.world.onEvent((event) => {
      const deliveries = this.webhooks.send(event);
      this.capture?.push(...deliveries);
    });
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent && !response.destroyed) {
          send(response, { status: 500, body: { message: String(error), took: 0, requestId: randomUUID() } });
        }
      });
    });
  }

  async listen(port: number, host: string): Promise<void> {
    this.origin = `http://${await listen(this.server, port, host)}`;
  }

  get apiUrl(): string {
    return this.origin;
  }

  get apiKey(): string {
    return this.keys[0]?.key ?? "";
  }

  get calls(): readonly RecordedCall[] {
    return this.recorded;
  }

  callsTo(target: string): RecordedCall[] {
    const wanted = target.trim();
    return this.recorded.filter((call) => call.route === wanted || `${call.method} ${call.path}` === wanted);
  }

  resetCalls(): void {
    this.recorded.length = 0;
  }

  acknowledge(aliasOrId: string, options: HumanActionOptions = {}): Promise<HumanActionResult> {
    return this.actAsHuman(aliasOrId, options, (alert, actor) => {
      if (!this.world.acknowledge(alert, actor)) throw new Error(`Alert ${alert.id} is already acknowledged or closed`);
    });
  }

  closeAlert(aliasOrId: string, options: HumanActionOptions = {}): Promise<HumanActionResult> {
    return this.actAsHuman(aliasOrId, options, (alert, actor) => {
      if (!this.world.close(alert, actor)) throw new Error(`Alert ${alert.id} is already closed`);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.webhooks.close();
    await closeServer(this.server);
  }

  private async actAsHuman(
    aliasOrId: string,
    options: HumanActionOptions,
    act: (alert: Alert, actor: Actor) => void,
  ): Promise<HumanActionResult> {
    const alert = this.world.alert(aliasOrId);
    if (!alert) throw new Error(`No Opsgenie alert ${aliasOrId}`);
    const user = options.user ? this.world.user(options.user) : this.world.users[0];
    if (!user) throw new Error(`No Opsgenie user ${String(options.user)} in the emulated world`);
    const captured: Promise<WebhookDelivery>[] = [];
    this.capture = captured;
    try {
      act(alert, { username: user.username, userId: user.id, sourceName: "", sourceType: "web" });
    } finally {
      this.capture = undefined;
    }
    return { alert, deliveries: await Promise.all(captured) };
  }

  // ── HTTP ──────────────────────────────────────────────────────────────

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const at = new Date(this.now());
    const url = new URL(request.url ?? "/", this.origin);
    const method = (request.method ?? "GET").toUpperCase();
    const match = matchRoute(method, url.pathname);
    const requestId = randomUUID();
    const { body: raw, tooLarge } = await readBodyOrOverflow(request, maxBodyBytes);
    const parsed = parseJson(raw);

    const record = (answer: Answer | undefined, fault?: FaultKind, delivered = true) => {
      this.recorded.push({
        method,
        path: url.pathname,
        ...(match ? { route: match.route } : {}),
        query: Object.fromEntries(url.searchParams),
        body: parsed.ok ? parsed.value : raw.toString("utf8"),
        status: delivered && answer ? answer.status : 0,
        response: answer?.body,
        ...(delivered && answer?.headers ? { responseHeaders: answer.headers } : {}),
        at,
        ...(fault ? { fault } : {}),
        requestId,
      });
    };
    const finish = (status: number, body: Record<string, unknown>, headers?: Record<string, string>): Answer => ({
      status,
      // Opsgenie reports how long it took, in seconds.
      body: { ...body, took: Number(((performance.now() - startedAt) / 1000).toFixed(3)), requestId },
      ...(headers ? { headers } : {}),
    });

    const decision = this.faults.decide(match?.route);
    const goesOn = await serveFaultDelay(decision, response, () => this.closed, () => record(undefined, "connection_reset", false));
    if (!goesOn) return;
    const failure = decision.failure;
    if (failure && failure.kind !== "drop_response") {
      const answer = faultAnswer(failure, finish);
      record(answer, failure.kind);
      send(response, answer);
      return;
    }

    let answer: Answer;
    try {
      const result = this.answer(request, match, url, parsed, tooLarge, requestId);
      answer = finish(result.status, result.body);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      answer = finish(error.status, { message: error.message, ...(error.errors ? { errors: error.errors } : {}) });
    }
    if (failure?.kind === "drop_response") {
      record(answer, failure.kind, false);
      if (failure.holdMs) await pause(failure.holdMs);
      dropConnection(response);
      return;
    }
    record(answer);
    send(response, answer);
  }

  private answer(
    request: IncomingMessage,
    match: RouteMatch | undefined,
    url: URL,
    parsed: ParsedBody,
    tooLarge: boolean,
    requestId: string,
  ): { status: number; body: Record<string, unknown> } {
    const key = this.authenticate(request.headers.authorization);
    if (!match) throw new ApiError(404, "Could not find the requested resource");
    if (match.method === "POST" && key.readOnly) {
      throw new ApiError(403, "You are not authorized to perform this action");
    }
    if (tooLarge) throw new ApiError(413, "Request body is too large");
    if (!parsed.ok) throw new ApiError(400, "Could not parse the request body as JSON");
    const context: Context = { route: match.route, params: match.params, query: url.searchParams, body: parsed.value, key, requestId };
    switch (match.route) {
      case "POST /v2/alerts":
        return this.createAlert(context);
      case "GET /v2/alerts":
        return this.listAlerts(context);
      case "GET /v2/alerts/requests/:requestId":
        return this.requestStatus(context);
      case "GET /v2/alerts/:identifier":
        return { status: 200, body: { data: renderAlert(this.requireAlert(context)) } };
      case "POST /v2/alerts/:identifier/acknowledge":
        return this.alertAction(context, "Acknowledge");
      case "POST /v2/alerts/:identifier/close":
        return this.alertAction(context, "Close");
      case "POST /v2/alerts/:identifier/notes":
        return this.alertAction(context, "AddNote");
      default:
        throw new ApiError(404, "Could not find the requested resource");
    }
  }

  private authenticate(header: string | undefined): Context["key"] {
    const match = /^GenieKey\s+(\S+)\s*$/i.exec(header?.trim() ?? "");
    const key = match ? this.keys.find((candidate) => candidate.key === match[1]) : undefined;
    if (!key) throw new ApiError(401, "Could not authenticate");
    return key;
  }

  private createAlert(context: Context) {
    const input = validateNewAlert(context.body);
    const actor = apiActor(context, input.user, input.source);
    const { alert, deduplicated } = this.world.create(input, context.key.integration, actor);
    this.recordRequest(context, "Create", alert, deduplicated ? "Alert is deduplicated" : "Created alert");
    return accepted();
  }

  private alertAction(context: Context, action: "Acknowledge" | "Close" | "AddNote") {
    const type = identifierType(context.query);
    const body = validateActionBody(context.body, action === "AddNote");
    const alert = this.world.find(context.params.identifier ?? "", type);
    if (!alert) {
      // Opsgenie accepts the request and fails it later; only the request status tells.
      this.recordRequest(context, action, undefined, "Alert does not exist");
      return accepted();
    }
    const actor = apiActor(context, body.user, body.source);
    if (action === "Acknowledge") this.world.acknowledge(alert, actor);
    if (action === "Close") this.world.close(alert, actor);
    if (action === "AddNote") this.world.addNote(alert, body.note ?? "", actor);
    else if (body.note) alert.notes.push({ note: body.note, owner: actor.username, createdAt: new Date(this.now()) });
    const statusText = { Acknowledge: "Acknowledged", Close: "Closed", AddNote: "Added note" }[action];
    this.recordRequest(context, action, alert, statusText);
    return accepted();
  }

  private listAlerts(context: Context) {
    const filters = parseQuery(context.query.get("query") ?? "");
    const limit = boundedInteger(context.query.get("limit"), 20, 1, 100, "limit");
    const offset = boundedInteger(context.query.get("offset"), 0, 0, 20_000, "offset");
    const matching = this.world.alerts
      .filter((alert) => filters.every((filter) => filter(alert)))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    return { status: 200, body: { data: matching.slice(offset, offset + limit).map(renderAlert) } };
  }

  private requestStatus(context: Context) {
    const status = this.requests.get(context.params.requestId ?? "");
    if (!status) throw new ApiError(404, "Request not found. It might not be processed, yet.");
    return { status: 200, body: { data: { ...status } } };
  }

  private requireAlert(context: Context): Alert {
    const alert = this.world.find(context.params.identifier ?? "", identifierType(context.query));
    if (!alert) throw new ApiError(404, "Alert does not exist");
    return alert;
  }

  private recordRequest(context: Context, action: WebhookAction, alert: Alert | undefined, status: string): void {
    const success = alert !== undefined;
    this.requests.set(context.requestId, {
      success,
      action,
      processedAt: new Date(this.now()).toISOString(),
      integrationId: context.key.integration.id,
      isSuccess: success,
      status,
      alertId: alert?.id ?? "",
      alias: alert?.alias ?? "",
    });
  }
}

// ── Routes and validation ──────────────────────────────────────────────

type RouteMatch = { method: string; route: string; params: Record<string, string> };

function matchRoute(method: string, path: string): RouteMatch | undefined {
  const parts = path.replace(/\/+$/, "").split("/").slice(1);
  for (const route of routePatterns) {
    const [routeMethod = "", pattern = ""] = route.split(" ");
    if (routeMethod !== method) continue;
    const patternParts = pattern.split("/").slice(1);
    if (patternParts.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const matches = patternParts.every((part, index) => {
      const actual = parts[index] ?? "";
      if (part.startsWith(":")) {
        params[part.slice(1)] = decodeURIComponent(actual);
        return actual !== "";
      }
      return part === actual;
    });
    if (matches) return { method, route, params };
  }
  return undefined;
}

function identifierType(query: URLSearchParams): "id" | "alias" | "tiny" {
  const type = query.get("identifierType") ?? "id";
  if (type !== "id" && type !== "alias" && type !== "tiny") {
    throw new ApiError(422, "Request parameters are not valid", { identifierType: "identifierType must be one of [id, alias, tiny]" });
  }
  return type;
}

function validateNewAlert(body: unknown): NewAlert {
  if (!isObject(body)) throw notProcessable({ body: "Request body must be a JSON object" });
  const errors: Record<string, string> = {};
  const text = (field: string, max: number): string | undefined => {
    const value = body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") errors[field] = `${field} must be a string`;
    else if (value.length > max) errors[field] = `${field} can not be longer than ${max} characters`;
    else return value;
    return undefined;
  };
  const message = text("message", 130);
  if (!errors.message && (message === undefined || message.trim() === "")) errors.message = "Message can not be empty.";
  const alias = text("alias", 512);
  const description = text("description", 15_000);
  const entity = text("entity", 512);
  const source = text("source", 100);
  const user = text("user", 100);
  const note = text("note", 25_000);
  const priority = body.priority;
  if (priority !== undefined && !priorities.includes(priority as Priority)) {
    errors.priority = "Priority should be one of [P1, P2, P3, P4, P5]";
  }
  const stringList = (field: string): string[] | undefined => {
    const value = body[field];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
      errors[field] = `${field} must be a list of strings`;
      return undefined;
    }
    return value as string[];
  };
  const tags = stringList("tags");
  const actions = stringList("actions");
  const responders = responderList(body.responders, "responders", errors);
  const visibleTo = responderList(body.visibleTo, "visibleTo", errors);
  let details: Record<string, string> | undefined;
  if (body.details !== undefined && body.details !== null) {
    if (!isObject(body.details) || Object.values(body.details).some((value) => typeof value !== "string")) {
      errors.details = "details must be a map of strings";
    } else details = body.details as Record<string, string>;
  }
  if (Object.keys(errors).length > 0) throw notProcessable(errors);
  return {
    message: message as string,
    ...(alias !== undefined ? { alias } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(entity !== undefined ? { entity } : {}),
    ...(source !== undefined ? { source } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(note !== undefined ? { note } : {}),
    ...(priority !== undefined ? { priority: priority as Priority } : {}),
    ...(tags ? { tags } : {}),
    ...(actions ? { actions } : {}),
    ...(responders ? { responders } : {}),
    ...(visibleTo ? { visibleTo } : {}),
    ...(details ? { details } : {}),
  };
}

function responderList(value: unknown, field: string, errors: Record<string, string>): Responder[] | undefined {
  if (value === undefined || value === null) return undefined;
  const valid =
    Array.isArray(value) &&
    value.every(
      (item) =>
        isObject(item) &&
        responderTypes.includes(item.type as Responder["type"]) &&
        ["id", "name", "username"].some((name) => typeof item[name] === "string" && item[name] !== ""),
    );
  if (!valid) {
    errors[field] = `${field} must be a list of {type: team|user|escalation|schedule, id|name|username}`;
    return undefined;
  }
  return (value as Record<string, unknown>[]).map((item) => ({
    type: item.type as Responder["type"],
    ...(typeof item.id === "string" ? { id: item.id } : {}),
    ...(typeof item.name === "string" ? { name: item.name } : {}),
    ...(typeof item.username === "string" ? { username: item.username } : {}),
  }));
}

function validateActionBody(body: unknown, noteRequired: boolean): { user?: string; source?: string; note?: string } {
  if (body !== undefined && !isObject(body)) throw notProcessable({ body: "Request body must be a JSON object" });
  const fields = body ?? {};
  const errors: Record<string, string> = {};
  const result: { user?: string; source?: string; note?: string } = {};
  for (const [field, max] of [["user", 100], ["source", 100], ["note", 25_000]] as const) {
    const value = fields[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") errors[field] = `${field} must be a string`;
    else if (value.length > max) errors[field] = `${field} can not be longer than ${max} characters`;
    else result[field] = value;
  }
  if (noteRequired && !errors.note && !result.note?.trim()) errors.note = "Note can not be empty.";
  if (Object.keys(errors).length > 0) throw notProcessable(errors);
  return result;
}

/** `status:open`, `status:closed`, `acknowledged:true|false`, `alias:x`, `tag:x`, joined by AND. */
function parseQuery(query: string): ((alert: Alert) => boolean)[] {
  const terms = query.split(/\s+and\s+|\s+/i).filter((term) => term !== "");
  return terms.map((term) => {
    const match = /^(status|acknowledged|alias|tag|tags|priority)\s*[:=]\s*(.+)$/i.exec(term);
    if (!match) throw new ApiError(422, `Invalid query: ${term}`);
    const field = (match[1] ?? "").toLowerCase();
    const value = match[2] ?? "";
    if (field === "status") return (alert) => alert.status === value.toLowerCase();
    if (field === "acknowledged") return (alert) => String(alert.acknowledged) === value.toLowerCase();
    if (field === "alias") return (alert) => alert.alias === value;
    if (field === "priority") return (alert) => alert.priority === value.toUpperCase();
    return (alert) => alert.tags.includes(value);
  });
}

function boundedInteger(raw: string | null, fallback: number, min: number, max: number, name: string): number {
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ApiError(422, `${name} must be an integer between ${min} and ${max}`);
  }
  return value;
}

function apiActor(context: Context, user: string | undefined, source: string | undefined): Actor {
  return { username: user ?? "System", sourceName: source ?? context.key.name, sourceType: "API" };
}

function renderAlert(alert: Alert): Record<string, unknown> {
  return {
    id: alert.id,
    tinyId: alert.tinyId,
    alias: alert.alias,
    message: alert.message,
    status: alert.status,
    acknowledged: alert.acknowledged,
    isSeen: alert.isSeen,
    tags: [...alert.tags],
    snoozed: alert.snoozed,
    count: alert.count,
    lastOccurredAt: alert.lastOccurredAt.toISOString(),
    createdAt: alert.createdAt.toISOString(),
    updatedAt: alert.updatedAt.toISOString(),
    source: alert.source,
    owner: alert.owner,
    priority: alert.priority,
    responders: alert.responders.map((responder) => ({ ...responder })),
    integration: { ...alert.integration },
    report: { ...alert.report },
    actions: [...alert.actions],
    entity: alert.entity,
    description: alert.description,
    details: { ...alert.details },
  };
}

function accepted() {
  return { status: 202, body: { result: "Request will be processed" } };
}

function notProcessable(errors: Record<string, string>): ApiError {
  return new ApiError(422, "Request body is not processable. Please check the errors.", errors);
}

function faultAnswer(
  failure: FaultFailure,
  finish: (status: number, body: Record<string, unknown>, headers?: Record<string, string>) => Answer,
): Answer {
  switch (failure.kind) {
    case "server_error":
      return finish(failure.status ?? 500, { message: "Internal Server Error" });
    case "rate_limited":
      return finish(
        429,
        { message: "You are making too many requests! To avoid errors, we recommend you limit requests." },
        { "retry-after": String(failure.retryAfterSeconds ?? 60), "x-ratelimit-state": "THROTTLED" },
      );
    default:
      throw new Error(`Fault ${failure.kind} has no HTTP answer`);
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function send(response: ServerResponse, answer: Answer): void {
  if (response.headersSent || response.destroyed) return;
  const payload = JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
    ...answer.headers,
  });
  response.end(payload);
}
