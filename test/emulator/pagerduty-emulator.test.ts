import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type PagerDutyEmulator,
  type PagerDutyEmulatorOptions,
  startPagerDutyEmulator,
} from "../../tools/emulators/pagerduty/index.ts";

const secret = "whsec-test-secret";

type Received = { headers: IncomingHttpHeaders; body: string };

/** A receiver that answers with the statuses it is given, in turn (then 200), and keeps what came. */
async function startReceiver(statuses: number[] = []) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/pagerduty/webhook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The check a receiver makes: one of the comma-separated `v1=` signatures is the body's HMAC. */
function signedWith(key: string, received: Received): boolean {
  const expected = Buffer.from(`v1=${createHmac("sha256", key).update(received.body).digest("hex")}`);
  const header = String(received.headers["x-pagerduty-signature"] ?? "");
  return header
    .split(",")
    .map((part) => Buffer.from(part.trim()))
    .some((part) => part.length === expected.length && timingSafeEqual(part, expected));
}

let emulator: PagerDutyEmulator;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let clockMs: number;

async function start(options: PagerDutyEmulatorOptions = {}): Promise<void> {
  emulator = await startPagerDutyEmulator({
    now: () => clockMs,
    subscriptions: [{ url: receiver.url, secret }],
    webhookRetry: { backoffMs: [5], timeoutMs: 2_000 },
    ...options,
  });
}

function routingKey(serviceIndex = 0): string {
  const service = emulator.world.services[serviceIndex];
  if (!service) throw new Error("no seeded service");
  return service.integrationKey;
}

async function sendEvent(body: unknown): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(emulator.eventsUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

function trigger(dedupKey: string | undefined, summary = "Checkout error rate above 5%") {
  return sendEvent({
    routing_key: routingKey(),
    event_action: "trigger",
    ...(dedupKey !== undefined ? { dedup_key: dedupKey } : {}),
    payload: { summary, source: "prometheus", severity: "critical", component: "checkout" },
  });
}

beforeEach(async () => {
  clockMs = Date.UTC(2025, 0, 6, 3, 0, 0);
  receiver = await startReceiver();
  await start();
});

afterEach(async () => {
  await emulator.close();
  await receiver.close();
});

describe("Events API v2 lifecycle", () => {
  it("opens an incident on trigger, de-duplicates by dedup_key, then acknowledges and resolves it", async () => {
    const first = await trigger("inc-42:ic");
    expect(first).toMatchObject({
      status: 202,
      json: { status: "success", message: "Event processed", dedup_key: "inc-42:ic" },
    });
    const repeat = await trigger("inc-42:ic", "a different summary");
    expect(repeat.status).toBe(202);
    expect(emulator.world.incidents).toHaveLength(1);
    const incident = emulator.world.incident("inc-42:ic");
    expect(incident).toMatchObject({
      number: 1,
      status: "triggered",
      title: "Checkout error rate above 5%",
      incidentKey: "inc-42:ic",
      urgency: "high",
      createdAt: new Date(clockMs),
    });
    expect(incident?.id).toMatch(/^Q[0-9A-Z]{13}$/);
    expect(incident?.alerts[0]?.eventCount).toBe(2);
    expect(incident?.assignees.map((user) => user.id)).toEqual(["PALICE1"]);

    const ack = await sendEvent({ routing_key: routingKey(), event_action: "acknowledge", dedup_key: "inc-42:ic" });
    expect(ack.status).toBe(202);
    expect(emulator.world.incident("inc-42:ic")?.status).toBe("acknowledged");

    clockMs += 60_000;
    const resolve = await sendEvent({ routing_key: routingKey(), event_action: "resolve", dedup_key: "inc-42:ic" });
    expect(resolve.status).toBe(202);
    expect(incident).toMatchObject({ status: "resolved", resolvedAt: new Date(clockMs) });
  });

  it("opens a new incident for a key whose incident was resolved, and ignores ack/resolve of unknown keys", async () => {
    await trigger("reused");
    await sendEvent({ routing_key: routingKey(), event_action: "resolve", dedup_key: "reused" });
    await trigger("reused");
    expect(emulator.world.incidents.map((incident) => [incident.number, incident.status])).toEqual([
      [1, "resolved"],
      [2, "triggered"],
    ]);

    for (const action of ["acknowledge", "resolve"]) {
      const answer = await sendEvent({ routing_key: routingKey(), event_action: action, dedup_key: "never-seen" });
      expect(answer).toMatchObject({ status: 202, json: { status: "success", dedup_key: "never-seen" } });
    }
    // A late ack after resolve changes nothing either.
    await sendEvent({ routing_key: routingKey(), event_action: "resolve", dedup_key: "reused" });
    await sendEvent({ routing_key: routingKey(), event_action: "acknowledge", dedup_key: "reused" });
    expect(emulator.world.incidents.map((incident) => incident.status)).toEqual(["resolved", "resolved"]);
  });

  it("generates and returns a dedup_key when a trigger has none", async () => {
    const answer = await trigger(undefined);
    expect(answer.status).toBe(202);
    expect(answer.json.dedup_key).toMatch(/^[0-9a-f]{32}$/);
    expect(emulator.world.incident(String(answer.json.dedup_key))?.status).toBe("triggered");
  });

  it("keeps incidents of different services apart and derives urgency from severity where told", async () => {
    await trigger("shared-key");
    await sendEvent({
      routing_key: routingKey(1),
      event_action: "trigger",
      dedup_key: "shared-key",
      payload: { summary: "Disk filling", source: "node-7", severity: "warning" },
    });
    expect(emulator.world.incidents.map((incident) => [incident.service.name, incident.urgency])).toEqual([
      ["Checkout API", "high"],
      ["Platform", "low"],
    ]);
  });
});

describe("validation", () => {
  it("answers 400 invalid event listing every problem, and applies nothing", async () => {
    const answer = await sendEvent({
      routing_key: "short",
      event_action: "explode",
      dedup_key: "k".repeat(256),
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ status: "invalid event", message: "Event object is invalid" });
    expect(answer.json.errors).toEqual([
      "Length of 'routing_key' is incorrect (should be 32 characters)",
      "'event_action' is invalid (must be one of: trigger, acknowledge, resolve)",
      "Length of 'dedup_key' is too long (maximum is 255 characters)",
    ]);

    const badPayload = await sendEvent({
      routing_key: routingKey(),
      event_action: "trigger",
      payload: { summary: "x".repeat(1025), severity: "fatal" },
    });
    expect(badPayload.json.errors).toEqual([
      "Length of 'payload.summary' is too long (maximum is 1024 characters)",
      "'payload.source' is missing or blank",
      "'payload.severity' is invalid (must be one of: critical, error, warning, info)",
    ]);
    const noKey = await sendEvent({ routing_key: routingKey(), event_action: "resolve" });
    expect(noKey.json.errors).toEqual(["'dedup_key' is missing or blank"]);
    expect(emulator.world.incidents).toHaveLength(0);
  });

  it("refuses an unknown routing key, malformed JSON, a non-object and a huge body with 400", async () => {
    const unknownKey = await sendEvent({
      routing_key: "0".repeat(32),
      event_action: "trigger",
      payload: { summary: "s", source: "s", severity: "info" },
    });
    expect(unknownKey).toMatchObject({ status: 400, json: { errors: ["Invalid routing key"] } });
    expect((await sendEvent("{not json")).status).toBe(400);
    expect((await sendEvent("[1,2]")).status).toBe(400);
    const huge = await sendEvent({
      routing_key: routingKey(),
      event_action: "trigger",
      payload: { summary: "s", source: "s", severity: "info", custom_details: { blob: "x".repeat(600_000) } },
    });
    expect(huge.status).toBe(400);
    expect(emulator.world.incidents).toHaveLength(0);
    expect(emulator.calls.map((call) => call.status)).toEqual([400, 400, 400, 400]);
  });
});

describe("webhooks v3", () => {
  it("delivers incident.triggered signed with the subscription secret, in PagerDuty's shape", async () => {
    await trigger("inc-7:ic");
    await emulator.webhooks.idle();
    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    if (!delivery) throw new Error("no delivery");
    expect(signedWith(secret, delivery)).toBe(true);
    expect(signedWith("another-secret", delivery)).toBe(false);
    const subscription = emulator.webhooks.subscriptions[0];
    expect(delivery.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "PagerDuty-Webhook/V3.0",
      "x-webhook-subscription": subscription?.id,
    });
    expect(delivery.headers["x-webhook-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const incident = emulator.world.incident("inc-7:ic");
    const payload = JSON.parse(delivery.body) as { event: Record<string, unknown> };
    expect(payload.event).toMatchObject({
      event_type: "incident.triggered",
      resource_type: "incident",
      occurred_at: new Date(clockMs).toISOString(),
      agent: { type: "events_api_v2_inbound_integration_reference" },
      client: null,
      data: {
        id: incident?.id,
        type: "incident",
        number: 1,
        status: "triggered",
        incident_key: "inc-7:ic",
        title: "Checkout error rate above 5%",
        urgency: "high",
        service: { id: "PCHKOUT", type: "service_reference", summary: "Checkout API" },
        assignees: [{ id: "PALICE1", type: "user_reference", summary: "Alice Archer" }],
        escalation_policy: { type: "escalation_policy_reference" },
        teams: [],
        priority: null,
        conference_bridge: null,
        resolve_reason: null,
      },
    });
    expect(emulator.webhooks.deliveries[0]).toMatchObject({ status: 200, delivered: true, eventType: "incident.triggered" });
  });

  it("plays a person acknowledging and resolving, naming them as the agent", async () => {
    await trigger("inc-9:ic");
    clockMs += 30_000;
    const acked = await emulator.acknowledge("inc-9:ic", { by: "PBOBBY2" });
    expect(acked.incident.status).toBe("acknowledged");
    expect(acked.deliveries.map((delivery) => delivery.eventType)).toEqual(["incident.acknowledged"]);
    expect(acked.deliveries[0]?.payload.event).toMatchObject({
      agent: { id: "PBOBBY2", type: "user_reference", summary: "Bob Baker" },
      data: { status: "acknowledged" },
    });
    const resolved = await emulator.resolve(acked.incident.id);
    expect(resolved.deliveries[0]?.payload.event).toMatchObject({
      event_type: "incident.resolved",
      agent: { id: "PALICE1" },
      data: { status: "resolved" },
    });
    await expect(emulator.resolve("inc-9:ic")).rejects.toThrow(/already resolved/);
    expect(receiver.received.map((item) => (JSON.parse(item.body) as { event: { event_type: string } }).event.event_type)).toEqual([
      "incident.triggered",
      "incident.acknowledged",
      "incident.resolved",
    ]);
  });

  it("retries a failed delivery a bounded number of times, keeping its webhook id", async () => {
    await emulator.close();
    await receiver.close();
    receiver = await startReceiver([500, 503, 500, 500]);
    await start();
    await trigger("inc-retry");
    await emulator.webhooks.idle();
    expect(receiver.received).toHaveLength(3);
    const ids = new Set(receiver.received.map((item) => item.headers["x-webhook-id"]));
    expect(ids.size).toBe(1);
    expect(emulator.webhooks.deliveries[0]).toMatchObject({ delivered: false, status: 500 });
    expect(emulator.webhooks.deliveries[0]?.attempts.map((attempt) => attempt.status)).toEqual([500, 503, 500]);

    await emulator.acknowledge("inc-retry");
    // The fourth answer is the last scripted 500, then 200: delivered on the second attempt.
    expect(emulator.webhooks.deliveries[1]?.attempts.map((attempt) => attempt.status)).toEqual([500, 200]);
    expect(emulator.webhooks.deliveries[1]?.delivered).toBe(true);
  });

  it("signs with every secret of a rotation, and reaches subscriptions added later", async () => {
    const second = await startReceiver();
    try {
      emulator.webhooks.subscribe({ url: second.url, secret: ["old-secret", "new-secret"], events: ["incident.resolved"] });
      await trigger("inc-rot");
      await emulator.resolve("inc-rot");
      expect(second.received).toHaveLength(1);
      const [delivery] = second.received;
      if (!delivery) throw new Error("no delivery");
      expect(String(delivery.headers["x-pagerduty-signature"]).split(",")).toHaveLength(2);
      expect(signedWith("old-secret", delivery)).toBe(true);
      expect(signedWith("new-secret", delivery)).toBe(true);
      expect(receiver.received).toHaveLength(2);
    } finally {
      await second.close();
    }
  });
});

describe("faults", () => {
  it("answers an outage with 5xx during its window on the emulator's clock, applying nothing", async () => {
    emulator.faults.add({ kind: "server_error", status: 503, untilMs: clockMs + 10 * 60_000 });
    const during = await trigger("outage");
    expect(during.status).toBe(503);
    clockMs += 5 * 60_000;
    expect((await trigger("outage")).status).toBe(503);
    expect(emulator.world.incidents).toHaveLength(0);
    clockMs += 5 * 60_000;
    expect((await trigger("outage")).status).toBe(202);
    expect(emulator.world.incidents).toHaveLength(1);
    expect(emulator.calls.map((call) => call.fault ?? "none")).toEqual(["server_error", "server_error", "none"]);
  });

  it("throttles with 429 and Retry-After, scoped by event_action", async () => {
    emulator.faults.add({ kind: "rate_limited", eventAction: "resolve", retryAfterSeconds: 7, times: 1 });
    expect((await trigger("throttled")).status).toBe(202);
    const resolve = await sendEvent({ routing_key: routingKey(), event_action: "resolve", dedup_key: "throttled" });
    expect(resolve.status).toBe(429);
    expect(resolve.headers.get("retry-after")).toBe("7");
    expect(resolve.json.status).toBe("throttle event");
    expect(emulator.world.incident("throttled")?.status).toBe("triggered");
    expect(emulator.callsTo("resolve").map((call) => call.status)).toEqual([429]);
    expect(() => emulator.faults.add({ kind: "server_error", eventAction: "explode" as "resolve" })).toThrow(RangeError);
  });

  it("resets the connection before applying, and drops the answer after applying", async () => {
    emulator.faults.add({ kind: "connection_reset", times: 1 });
    await expect(trigger("reset")).rejects.toThrow();
    expect(emulator.world.incidents).toHaveLength(0);

    emulator.faults.add({ kind: "drop_response", times: 1 });
    await expect(trigger("dropped")).rejects.toThrow();
    expect(emulator.world.incident("dropped")?.status).toBe("triggered");
    // The client's retry after the lost answer is de-duplicated by the key.
    expect((await trigger("dropped")).status).toBe(202);
    expect(emulator.world.incidents).toHaveLength(1);
    expect(emulator.calls.map((call) => [call.fault ?? "none", call.status])).toEqual([
      ["connection_reset", 0],
      ["drop_response", 0],
      ["none", 202],
    ]);
  });

  it("delays a slow answer and records calls until reset", async () => {
    emulator.faults.add({ kind: "slow", delayMs: 120, times: 1 });
    const startedAt = Date.now();
    expect((await trigger("slow")).status).toBe(202);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(100);
    expect(emulator.callsTo("POST /v2/enqueue")).toHaveLength(1);
    emulator.resetCalls();
    expect(emulator.calls).toHaveLength(0);
  });
});
