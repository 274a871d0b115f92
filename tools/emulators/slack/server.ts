import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { RecordingEmulator } from "../shared/emulator.ts";
import {
  closeServer,
  listen,
  readBody as readBodyUpTo,
  serveFaultDelay,
  startListening,
} from "../shared/http.ts";
import { ArgReader, type Args, decodeJsonArguments, SlackMethodError, tokenError } from "./args.ts";
import { type DescribeOptions, describeActivity } from "./describe.ts";
import { type FaultDecision, FaultInjector } from "./faults.ts";
import { methods } from "./methods.ts";
import { applyResponseUrlPost, checkResponseUrlUsable } from "./response-url.ts";
import { type SocketModeEmulator, SocketModeServer } from "./socket-mode.ts";
import {
  type ActivityListener,
  defaultSeed,
  type SeedData,
  type SlackActivity,
  type SlackEphemeral,
  World,
} from "./world.ts";

export type SlackEmulatorOptions = {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Replaces parts of the default workspace (team, users, channels, user groups). */
  seed?: Partial<SeedData>;
  /** Clock for message timestamps, trigger and response_url expiry, and fault windows. */
  now?: () => number;
  /** Reject trigger ids issued by `newTriggerId` once older than this; Slack's limit is 3,000 ms. Off by default. */
  triggerIdTtlMs?: number;
  /** How often Socket Mode connections are pinged; 10,000 ms by default. */
  socketModePingIntervalMs?: number;
};

export type RecordedCall = {
  /** A Web API method, or `response_url` / `file_upload` for posts to those emulator URLs. */
  method: string;
  /** Arguments as the bot meant them: JSON-encoded ones (blocks, view…) decoded, the token removed. */
  args: Args;
  at: Date;
  /** HTTP status answered; 0 when the connection was dropped by a fault. */
  status: number;
  /** The body answered: the parsed JSON, or the text of a non-JSON answer. */
  response: unknown;
  token?: string;
  /** Set when an injected fault decided the answer. */
  fault?: NonNullable<FaultDecision["failure"]>["kind"];
};

export interface SlackEmulator extends RecordingEmulator<World, RecordedCall, FaultInjector> {
  /** For `clientOptions.slackApiUrl`; ends with `/api/`. */
  readonly apiUrl: string;
  readonly baseUrl: string;
  /** Socket Mode: open connections, and envelopes (slash commands, interactions, events) sent over them. */
  readonly socketMode: SocketModeEmulator;
  /** A URL that behaves like a slash command's or button's response_url for this user and channel. */
  responseUrl(channelId: string, userId: string, options?: { messageTs?: string }): string;
  ephemeralsFor(userId: string): SlackEphemeral[];
  /** A trigger id that opens a view for `userId` exactly once. */
  newTriggerId(userId?: string): string;
  onActivity(listener: ActivityListener): () => void;
  /** `describeActivity` with user and channel names from this workspace. */
  describe(
    activity: SlackActivity,
    options?: Omit<DescribeOptions, "userName" | "channelName">,
  ): string;
}

const grantedScopes = [
  "app_mentions:read",
  "channels:history",
  "channels:join",
  "channels:manage",
  "channels:read",
  "chat:write",
  "chat:write.public",
  "commands",
  "files:write",
  "groups:read",
  "groups:write",
  "im:write",
  "pins:write",
  "reactions:read",
  "reactions:write",
  "usergroups:read",
  "users:read",
  "users:read.email",
].join(",");

const maxBodyBytes = 100 * 1024 * 1024;

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

class BadRequest extends Error {}

export async function startSlackEmulator(
  options: SlackEmulatorOptions = {},
): Promise<SlackEmulator> {
  return startListening(new LoopbackSlackEmulator(options), options);
}

class LoopbackSlackEmulator implements SlackEmulator {
  readonly world: World;
  readonly faults: FaultInjector;
  private readonly recorded: RecordedCall[] = [];
  private readonly server: Server;
  private readonly socketModeServer: SocketModeServer;
  private readonly now: () => number;
  private origin = "";
  /** `host:port`, for the ws:// URLs Socket Mode hands out. */
  private host = "";
  private closed = false;

  constructor(private readonly options: SlackEmulatorOptions) {
    this.now = options.now ?? Date.now;
    this.world = new World({ ...defaultSeed(), ...options.seed }, this.now);
    this.faults = new FaultInjector(this.now);
    this.server = createServer((request, response) => {
      this.route(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          send(response, {
            status: 500,
            body: { ok: false, error: "emulator_failure", detail: String(error) },
          });
        }
      });
    });
    this.socketModeServer = new SocketModeServer({
      now: this.now,
      appId: () => this.world.appId,
      pingIntervalMs: options.socketModePingIntervalMs ?? 10_000,
    });
    this.server.on("upgrade", (request, socket, head: Buffer) => {
      if (!this.socketModeServer.handleUpgrade(request, socket, head)) {
        socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      }
    });
  }

  async listen(port: number, host: string): Promise<void> {
    this.host = await listen(this.server, port, host);
    this.origin = `http://${this.host}`;
  }

  get baseUrl(): string {
    return this.origin;
  }

  get apiUrl(): string {
    return `${this.origin}/api/`;
  }

  get socketMode(): SocketModeEmulator {
    return this.socketModeServer;
  }

  get calls(): readonly RecordedCall[] {
    return this.recorded;
  }

  callsTo(method: string): RecordedCall[] {
    return this.recorded.filter((call) => call.method === method);
  }

  resetCalls(): void {
    this.recorded.length = 0;
  }

  responseUrl(channelId: string, userId: string, options: { messageTs?: string } = {}): string {
    if (!this.world.channel(channelId)) {
      throw new Error(`No channel ${channelId} in the emulated workspace`);
    }
    if (!this.world.user(userId)) {
      throw new Error(`No user ${userId} in the emulated workspace`);
    }
    const id = this.world.issueResponseUrlTarget({ channel: channelId, user: userId, ...options });
    return `${this.origin}/response/${id}`;
  }

  ephemeralsFor(userId: string): SlackEphemeral[] {
    return this.world.ephemeralsFor(userId);
  }

  newTriggerId(userId?: string): string {
    return this.world.issueTriggerId(userId);
  }

  onActivity(listener: ActivityListener): () => void {
    return this.world.onActivity(listener);
  }

  describe(
    activity: SlackActivity,
    options: Omit<DescribeOptions, "userName" | "channelName"> = {},
  ): string {
    return describeActivity(activity, {
      ...options,
      userName: (id) => this.world.user(id)?.name,
      channelName: (id) => this.world.channel(id)?.name,
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.socketModeServer.close();
    await closeServer(this.server);
  }

  // ── Routing ───────────────────────────────────────────────────────────

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", this.origin);
    const path = url.pathname;
    if (path.startsWith("/api/")) {
      await this.handleApiCall(path.slice("/api/".length), url, request, response);
    } else if (request.method === "POST" && path.startsWith("/response/")) {
      await this.handleResponseUrl(path.slice("/response/".length), request, response);
    } else if (request.method === "POST" && path.startsWith("/upload/")) {
      await this.handleUpload(path.slice("/upload/".length), request, response);
    } else if (request.method === "GET" && path.startsWith("/files/")) {
      this.handleDownload(path, response);
    } else if (request.method === "GET" && path === "/_emulator/world") {
      send(response, { status: 200, body: this.world.snapshot() });
    } else {
      send(response, { status: 404, body: "not_found" });
    }
  }

  /**
   * Faults are decided before anything else and, when one fires, the method never runs: an
   * outage or a 429 must not change the world, or a retry would be double-counted.
   */
  private async withFaults(
    method: string,
    response: ServerResponse,
    record: (answer: Answer | undefined, fault?: RecordedCall["fault"]) => void,
    run: () => Answer,
  ): Promise<void> {
    const decision = this.faults.decide(method);
    const answered = await serveFaultDelay(
      decision,
      response,
      () => this.closed,
      () => record(undefined, "connection_reset"),
    );
    if (!answered) return;
    const failure = decision.failure;
    const answer = failure ? faultAnswer(failure) : run();
    record(answer, failure?.kind);
    send(response, answer);
  }

  private async handleApiCall(
    method: string,
    url: URL,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const at = new Date(this.now());
    let args: Args;
    try {
      args = await readArguments(request, url);
    } catch (error) {
      const answer = { status: 200, body: { ok: false, error: errorCodeForUnreadableBody(error) } };
      this.recorded.push({ method, args: {}, at, status: answer.status, response: answer.body });
      send(response, answer);
      return;
    }
    const token = bearerToken(request) ?? (typeof args.token === "string" ? args.token : undefined);
    delete args.token;
    await this.withFaults(
      method,
      response,
      (answer, fault) =>
        this.recorded.push({
          method,
          args,
          at,
          status: answer?.status ?? 0,
          response: answer?.body,
          ...(token !== undefined ? { token } : {}),
          ...(fault ? { fault } : {}),
        }),
      () => this.runMethod(method, args, token),
    );
  }

  private runMethod(method: string, args: Args, token: string | undefined): Answer {
    const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (!handler) return slackAnswer({ ok: false, error: "unknown_method" });
    const refused = tokenError(method, token);
    if (refused) return slackAnswer({ ok: false, error: refused });
    try {
      const result = handler({
        world: this.world,
        args: new ArgReader(args),
        baseUrl: this.origin,
        triggerIdTtlMs: this.options.triggerIdTtlMs,
        openSocketModeConnection: () => `ws://${this.host}${this.socketModeServer.issueTicket()}`,
      });
      return slackAnswer({ ok: true, ...result });
    } catch (error) {
      if (error instanceof SlackMethodError) {
        return slackAnswer({ ok: false, error: error.error, ...error.extra });
      }
      return { status: 500, body: { ok: false, error: "emulator_failure", detail: String(error) } };
    }
  }

  private async handleResponseUrl(id: string, request: IncomingMessage, response: ServerResponse) {
    const at = new Date(this.now());
    const raw = await readBody(request);
    let body: unknown;
    try {
      body = parseResponseUrlBody(request, raw);
    } catch {
      body = undefined;
    }
    const args: Args = typeof body === "object" && body !== null ? { ...(body as Args) } : {};
    await this.withFaults(
      "response_url",
      response,
      (answer, fault) =>
        this.recorded.push({
          method: "response_url",
          args: { ...args, response_url_id: id },
          at,
          status: answer?.status ?? 0,
          response: answer?.body,
          ...(fault ? { fault } : {}),
        }),
      () => {
        const target = this.world.responseUrlTarget(id);
        const usable = checkResponseUrlUsable(target, this.now());
        if (!usable.ok || !target)
          return {
            status: 404,
            body: { ok: false, error: usable.ok ? "no_such_url" : usable.error },
          };
        return applyResponseUrlPost(this.world, target, body);
      },
    );
  }

  private async handleUpload(fileId: string, request: IncomingMessage, response: ServerResponse) {
    const at = new Date(this.now());
    const bytes = await fileBytesFrom(request, await readBody(request));
    await this.withFaults(
      "file_upload",
      response,
      (answer, fault) =>
        this.recorded.push({
          method: "file_upload",
          args: { file_id: fileId, bytes: bytes.length },
          at,
          status: answer?.status ?? 0,
          response: answer?.body,
          ...(fault ? { fault } : {}),
        }),
      () => {
        if (!this.world.file(fileId)) return { status: 404, body: "file_not_found" };
        this.world.storeFileBytes(fileId, bytes);
        return { status: 200, body: `OK - ${bytes.length}` };
      },
    );
  }

  private handleDownload(path: string, response: ServerResponse): void {
    const file = path
      .split("/")
      .map((segment) => this.world.file(decodeURIComponent(segment)))
      .find((candidate) => candidate !== undefined);
    if (!file?.bytes) {
      send(response, { status: 404, body: "file_not_found" });
      return;
    }
    response.writeHead(200, { "content-type": file.mimetype, "content-length": file.bytes.length });
    response.end(file.bytes);
  }
}

// ── HTTP plumbing ────────────────────────────────────────────────────────

function slackAnswer(body: Record<string, unknown>): Answer {
  return { status: 200, body, headers: { "x-oauth-scopes": grantedScopes } };
}

function faultAnswer(failure: NonNullable<FaultDecision["failure"]>): Answer {
  switch (failure.kind) {
    case "rate_limited":
      return {
        status: 429,
        body: { ok: false, error: "ratelimited" },
        headers: { "retry-after": String(failure.retryAfterSeconds) },
      };
    case "server_error":
      return { status: failure.status ?? 500, body: "Service Unavailable (emulated fault)" };
    case "slack_error":
      return slackAnswer({ ok: false, error: failure.error });
    case "connection_reset":
      return { status: 0, body: undefined };
  }
}

function send(response: ServerResponse, answer: Answer): void {
  if (response.headersSent || response.destroyed) return;
  const isText = typeof answer.body === "string";
  const payload = isText ? (answer.body as string) : JSON.stringify(answer.body ?? {});
  response.writeHead(answer.status, {
    "content-type": isText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    ...answer.headers,
  });
  response.end(payload);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return readBodyUpTo(request, maxBodyBytes, () => new BadRequest("request_too_large"));
}

function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1];
}

function contentTypeOf(request: IncomingMessage): string {
  return (request.headers["content-type"] ?? "").toLowerCase();
}

/** Web API arguments may come as a query string, a form, JSON (with the token in the header) or multipart. */
async function readArguments(request: IncomingMessage, url: URL): Promise<Args> {
  const args: Args = Object.fromEntries(url.searchParams);
  const raw = await readBody(request);
  const contentType = contentTypeOf(request);
  if (raw.length > 0) {
    if (contentType.startsWith("application/json")) {
      const parsed: unknown = JSON.parse(raw.toString("utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new BadRequest("invalid_json");
      }
      Object.assign(args, parsed);
    } else if (contentType.startsWith("multipart/form-data")) {
      const form = await new Response(new Uint8Array(raw), {
        headers: { "content-type": contentType },
      }).formData();
      for (const [name, value] of form.entries()) {
        args[name] = typeof value === "string" ? value : Buffer.from(await value.arrayBuffer());
      }
    } else {
      Object.assign(args, Object.fromEntries(new URLSearchParams(raw.toString("utf8"))));
    }
  }
  return decodeJsonArguments(args);
}

function errorCodeForUnreadableBody(error: unknown): string {
  if (error instanceof BadRequest) return error.message;
  if (error instanceof SyntaxError) return "invalid_json";
  return "invalid_form_data";
}

/** Bolt's `respond()` posts JSON; older clients post a form with a `payload` field. */
function parseResponseUrlBody(request: IncomingMessage, raw: Buffer): unknown {
  const text = raw.toString("utf8");
  if (contentTypeOf(request).startsWith("application/x-www-form-urlencoded")) {
    const payload = new URLSearchParams(text).get("payload");
    return payload === null ? undefined : JSON.parse(payload);
  }
  return JSON.parse(text);
}

/** WebClient sends the bytes as a multipart file part; other clients may post them raw. */
async function fileBytesFrom(request: IncomingMessage, raw: Buffer): Promise<Buffer> {
  const contentType = contentTypeOf(request);
  if (!contentType.startsWith("multipart/form-data")) return raw;
  const form = await new Response(new Uint8Array(raw), {
    headers: { "content-type": contentType },
  }).formData();
  for (const value of form.values()) {
    if (typeof value !== "string") return Buffer.from(await value.arrayBuffer());
  }
  const firstText = form.values().next().value;
  return Buffer.from(typeof firstText === "string" ? firstText : "", "utf8");
}
