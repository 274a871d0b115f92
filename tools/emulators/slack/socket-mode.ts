import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, type WebSocket, WebSocketServer } from "ws";

/**
 * Socket Mode as Slack runs it, on the emulator's own HTTP server: `apps.connections.open` (with an
 * xapp- token) hands out a single-use `ws://…/socket-mode/<ticket>` URL, the socket gets `hello`,
 * and every slash command, interaction or event is one envelope sent to ONE open connection
 * (round-robin), which must ack it with `{ envelope_id, payload? }`.
 *
 * Slack retries an unacked envelope; the emulator does not, it rejects the send instead, so a test
 * sees a missing ack as a failure rather than as a silent redelivery.
 */

export type EnvelopeType = "slash_commands" | "interactive" | "events_api";
export type SocketPayload = Record<string, unknown>;

export type DeliveryOptions = {
  /** How long to wait for the ack. Slack's deadline is 3 s, the default. */
  timeoutMs?: number;
  /** Defaults as Slack sets it: true for slash commands, view submissions and option loads. */
  acceptsResponsePayload?: boolean;
  /** Events API envelopes only: which retry this is (0 for the first delivery). */
  retryAttempt?: number;
  /** Events API envelopes only, e.g. `timeout`; empty on the first delivery. */
  retryReason?: string;
};

export type SocketDelivery = {
  envelopeId: string;
  type: EnvelopeType;
  /** The connection the envelope went to (see `connectionLog`). */
  connectionId: string;
  payload: SocketPayload;
  acceptsResponsePayload: boolean;
  retryAttempt: number;
  retryReason: string;
  sentAt: Date;
  outcome: "pending" | "acked" | "timed_out" | "connection_closed" | "emulator_closed";
  ackedAt?: Date;
  /** The ack's `payload`, when the client sent one. */
  ackPayload?: SocketPayload;
};

export type SocketConnection = {
  id: string;
  openedAt: Date;
  /** This and the close fields below are set once the TCP connection has ended. */
  closedAt?: Date;
  /** The WebSocket close code: 1000 after a clean close handshake, 1006 when the socket just dropped. */
  closeCode?: number;
  closeReason?: string;
  /** Set when the emulator asked the client to go (`disconnect` message) or closed the socket itself. */
  endedByEmulator?: "disconnect_message" | "emulator_closed";
  pingsFromClient: number;
  pongsFromClient: number;
};

export interface SocketModeEmulator {
  /** Connections that have been sent `hello` and can take envelopes (not closed, nor closing). */
  readonly connections: number;
  /** Every connection ever opened, in order, open ones included. */
  readonly connectionLog: readonly SocketConnection[];
  /** Every envelope sent, with its ack, in order. */
  readonly deliveries: readonly SocketDelivery[];
  /** Resolves once `connections` is exactly `count`; `0` waits until no socket can take envelopes. */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  /** Delivers a slash command (the fields Slack would form-post, as an object); resolves with the ack's payload. */
  sendSlashCommand(
    payload: SocketPayload,
    options?: DeliveryOptions,
  ): Promise<SocketPayload | undefined>;
  /** Delivers an interactive payload (block_actions, view_submission, shortcut…). */
  sendInteractive(
    payload: SocketPayload,
    options?: DeliveryOptions,
  ): Promise<SocketPayload | undefined>;
  /** Delivers an Events API `event_callback` body. */
  sendEvent(body: SocketPayload, options?: DeliveryOptions): Promise<SocketPayload | undefined>;
  /**
   * Sends Slack's `disconnect` message to every connection and resolves once all have closed; a
   * client that has not closed after `timeoutMs` is cut off.
   */
  disconnectAll(
    reason?: "refresh_requested" | "warning" | "link_disabled",
    timeoutMs?: number,
  ): Promise<void>;
}

export type SocketModeServerOptions = {
  now: () => number;
  appId: () => string;
  /** How often the emulator pings each socket; the client drops a connection that goes 30 s without one. */
  pingIntervalMs: number;
};

const socketPath = /^\/socket-mode\/([0-9a-f]+)$/;
const defaultAckTimeoutMs = 3_000;
const defaultWaitTimeoutMs = 5_000;
const closeGraceMs = 1_000;
const debugHost = "applink-emulator";

type LiveConnection = {
  record: SocketConnection;
  socket: WebSocket;
  closed: Promise<void>;
};

type PendingAck = {
  delivery: SocketDelivery;
  resolve: (payload: SocketPayload | undefined) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
};

export class SocketModeServer implements SocketModeEmulator {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly live: LiveConnection[] = [];
  private readonly log: SocketConnection[] = [];
  private readonly sent: SocketDelivery[] = [];
  private readonly pending = new Map<string, PendingAck>();
  private readonly countListeners = new Set<() => void>();
  private nextConnection = 0;
  private closing = false;

  constructor(private readonly options: SocketModeServerOptions) {}

  get connections(): number {
    return this.open().length;
  }

  get connectionLog(): readonly SocketConnection[] {
    return this.log;
  }

  get deliveries(): readonly SocketDelivery[] {
    return this.sent;
  }

  /** For `apps.connections.open`: a ticket that admits one WebSocket, returned as its path. */
  issueTicket(): string {
    const ticket = randomBytes(12).toString("hex");
    this.tickets.add(ticket);
    return `/socket-mode/${ticket}`;
  }

  /** Takes the upgrade if it is for a Socket Mode path; false leaves the socket to the caller. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const match = socketPath.exec(new URL(request.url ?? "/", "http://emulator").pathname);
    if (!match) return false;
    const ticket = match[1]!;
    // A ticket is good for one connection, as Slack's are; reconnecting takes a new
    // apps.connections.open call.
    if (this.closing || !this.tickets.delete(ticket)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return true;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
    return true;
  }

  waitForConnections(count: number, timeoutMs = defaultWaitTimeoutMs): Promise<void> {
    if (this.connections === count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.connections !== count) return;
        this.countListeners.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.countListeners.delete(check);
        reject(
          new Error(
            `Expected ${count} Socket Mode connection(s) within ${timeoutMs} ms; ${this.connections} open`,
          ),
        );
      }, timeoutMs);
      this.countListeners.add(check);
    });
  }

  sendSlashCommand(payload: SocketPayload, options: DeliveryOptions = {}) {
    return this.deliver("slash_commands", payload, options);
  }

  sendInteractive(payload: SocketPayload, options: DeliveryOptions = {}) {
    return this.deliver("interactive", payload, options);
  }

  sendEvent(body: SocketPayload, options: DeliveryOptions = {}) {
    return this.deliver("events_api", body, options);
  }

  async disconnectAll(
    reason: "refresh_requested" | "warning" | "link_disabled" = "refresh_requested",
    timeoutMs = closeGraceMs * 5,
  ): Promise<void> {
    await Promise.all(
      [...this.live].map((connection) => {
        connection.record.endedByEmulator ??= "disconnect_message";
        connection.socket.send(
          JSON.stringify({ type: "disconnect", reason, debug_info: { host: debugHost } }),
        );
        return this.closeWithin(connection, timeoutMs);
      }),
    );
  }

  /** Closes every socket (going away) and fails the envelopes still waiting for an ack. */
  async close(): Promise<void> {
    this.closing = true;
    this.tickets.clear();
    for (const pending of [...this.pending.values()]) {
      this.settle(pending, "emulator_closed", new Error("The Slack emulator closed"));
    }
    await Promise.all(
      [...this.live].map((connection) => {
        connection.record.endedByEmulator ??= "emulator_closed";
        connection.socket.close(1001, "emulator closing");
        return this.closeWithin(connection, closeGraceMs);
      }),
    );
    this.wss.close();
  }

  // ── Connections ───────────────────────────────────────────────────────

  private accept(socket: WebSocket): void {
    const record: SocketConnection = {
      id: `conn-${this.log.length + 1}`,
      openedAt: new Date(this.options.now()),
      pingsFromClient: 0,
      pongsFromClient: 0,
    };
    this.log.push(record);
    const pingTimer = setInterval(() => {
      if (socket.readyState === socket.OPEN) socket.ping();
    }, this.options.pingIntervalMs);
    pingTimer.unref();
    const closed = new Promise<void>((resolve) => {
      socket.once("close", (code, reason) => {
        clearInterval(pingTimer);
        record.closedAt = new Date(this.options.now());
        record.closeCode = code;
        record.closeReason = reason.toString("utf8");
        const index = this.live.indexOf(connection);
        if (index >= 0) this.live.splice(index, 1);
        for (const pending of [...this.pending.values()]) {
          if (pending.delivery.connectionId === record.id) {
            this.settle(
              pending,
              "connection_closed",
              new Error(
                `Socket Mode connection ${record.id} closed before acking ${pending.delivery.type} envelope ${pending.delivery.envelopeId}`,
              ),
            );
          }
        }
        this.countChanged();
        resolve();
      });
    });
    const connection: LiveConnection = { record, socket, closed };
    socket.on("ping", () => {
      record.pingsFromClient += 1;
    });
    socket.on("pong", () => {
      record.pongsFromClient += 1;
    });
    socket.on("message", (data, isBinary) => this.receive(data, isBinary));
    // A socket error is followed by `close`, which does the bookkeeping.
    socket.on("error", () => undefined);
    this.live.push(connection);
    socket.send(
      JSON.stringify({
        type: "hello",
        num_connections: this.connections,
        debug_info: { host: debugHost, build_number: 1, approximate_connection_time: 18_060 },
        connection_info: { app_id: this.options.appId() },
      }),
    );
    this.countChanged();
  }

  private closeWithin(connection: LiveConnection, timeoutMs: number): Promise<void> {
    const timer = setTimeout(() => connection.socket.terminate(), timeoutMs);
    return connection.closed.finally(() => clearTimeout(timer));
  }

  /**
   * A socket stops counting as soon as its close handshake starts, before the TCP connection ends,
   * so a client that awaited its own disconnect sees itself gone.
   */
  private open(): LiveConnection[] {
    return this.live.filter(
      (connection) => connection.socket.readyState === connection.socket.OPEN,
    );
  }

  private countChanged(): void {
    for (const listener of [...this.countListeners]) listener();
  }

  // ── Envelopes ─────────────────────────────────────────────────────────

  private deliver(
    type: EnvelopeType,
    payload: SocketPayload,
    options: DeliveryOptions,
  ): Promise<SocketPayload | undefined> {
    const open = this.open();
    if (open.length === 0) {
      return Promise.reject(
        new Error(`No Socket Mode connection to deliver a ${type} envelope to`),
      );
    }
    // Slack spreads envelopes over an app's connections; each one goes to exactly one of them.
    const connection = open[this.nextConnection++ % open.length]!;
    const delivery: SocketDelivery = {
      // Slack's envelope ids are UUIDs.
      envelopeId: randomUUID(),
      type,
      connectionId: connection.record.id,
      payload,
      acceptsResponsePayload:
        options.acceptsResponsePayload ?? acceptsResponsePayload(type, payload),
      retryAttempt: options.retryAttempt ?? 0,
      retryReason: options.retryReason ?? "",
      sentAt: new Date(this.options.now()),
      outcome: "pending",
    };
    this.sent.push(delivery);
    const envelope = {
      envelope_id: delivery.envelopeId,
      type,
      payload,
      accepts_response_payload: delivery.acceptsResponsePayload,
      // Slack only puts the retry fields on Events API envelopes.
      ...(type === "events_api"
        ? { retry_attempt: delivery.retryAttempt, retry_reason: delivery.retryReason }
        : {}),
    };
    const timeoutMs = options.timeoutMs ?? defaultAckTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const pending = this.pending.get(delivery.envelopeId);
        if (!pending) return;
        this.settle(
          pending,
          "timed_out",
          new Error(`No ack for ${type} envelope ${delivery.envelopeId} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending.set(delivery.envelopeId, { delivery, resolve, reject, timer });
      connection.socket.send(JSON.stringify(envelope));
    });
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let message: unknown;
    try {
      message = JSON.parse(rawText(data));
    } catch {
      return;
    }
    if (typeof message !== "object" || message === null) return;
    const { envelope_id: envelopeId, payload } = message as Record<string, unknown>;
    if (typeof envelopeId !== "string") return;
    const pending = this.pending.get(envelopeId);
    // Slack ignores acks for envelopes it no longer waits on (late, duplicate or unknown).
    if (!pending) return;
    const ackPayload = isRecord(payload) ? payload : undefined;
    pending.delivery.ackedAt = new Date(this.options.now());
    if (ackPayload) pending.delivery.ackPayload = ackPayload;
    this.settle(pending, "acked");
  }

  private settle(pending: PendingAck, outcome: SocketDelivery["outcome"], error?: Error): void {
    clearTimeout(pending.timer);
    this.pending.delete(pending.delivery.envelopeId);
    pending.delivery.outcome = outcome;
    if (error) pending.reject(error);
    else pending.resolve(pending.delivery.ackPayload);
  }
}

function acceptsResponsePayload(type: EnvelopeType, payload: SocketPayload): boolean {
  if (type === "slash_commands") return true;
  if (type === "events_api") return false;
  return ["view_submission", "block_suggestion", "dialog_suggestion"].includes(
    String(payload.type),
  );
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
