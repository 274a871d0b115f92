import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type OpsgenieEmulator, startOpsgenieEmulator } from "../../tools/emulators/opsgenie/index.ts";

const bearer = "Bearer receiver-token";

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
    url: `http://127.0.0.1:${port}/opsgenie/webhook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let emulator: OpsgenieEmulator;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let clockMs: number;

async function start(statuses: number[] = []): Promise<void> {
  receiver = await startReceiver(statuses);
  emulator = await startOpsgenieEmulator({
    now: () => clockMs,
    apiKeys: [
      { key: "rw-key", name: "Incident Bot API" },
      { key: "ro-key", name: "Read only", readOnly: true },
    ],
    webhooks: [{ url: receiver.url, headers: { authorization: bearer } }],
    webhookRetry: { backoffMs: [5], timeoutMs: 2_000 },
  });
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  key = "rw-key",
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${emulator.apiUrl}${path}`, {
    method,
    headers: { authorization: `GenieKey ${key}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

function payloadsReceived(): { action: string; alert: Record<string, unknown> }[] {
  return receiver.received.map((item) => JSON.parse(item.body) as { action: string; alert: Record<string, unknown> });
}

beforeEach(async () => {
  clockMs = Date.UTC(2025, 0, 6, 3, 0, 0);
  await start();
});

afterEach(async () => {
  await emulator.close();
  await receiver.close();
});

describe("Alert API lifecycle", () => {
  it("creates, de-duplicates by alias, acknowledges and closes, reporting each request's outcome", async () => {
    const created = await call("POST", "/v2/alerts", {
      message: "SEV1: checkout down",
      alias: "inc-42:ic",
      responders: [{ type: "team", name: "SRE" }],
      tags: ["sev1"],
      priority: "P1",
      user: "incident-bot",
    });
    expect(created.status).toBe(202);
    expect(created.json).toMatchObject({ result: "Request will be processed" });
    expect(created.json.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof created.json.took).toBe("number");

    await call("POST", "/v2/alerts", { message: "SEV1: checkout down", alias: "inc-42:ic" });
    expect(emulator.world.alerts).toHaveLength(1);

    const fetched = await call("GET", "/v2/alerts/inc-42:ic?identifierType=alias");
    expect(fetched.status).toBe(200);
    expect(fetched.json.data).toMatchObject({
      alias: "inc-42:ic",
      message: "SEV1: checkout down",
      status: "open",
      acknowledged: false,
      count: 2,
      priority: "P1",
      tags: ["sev1"],
      tinyId: "1",
      createdAt: new Date(clockMs).toISOString(),
      integration: { name: "Incident Bot API", type: "API" },
    });

    const status = await call("GET", `/v2/alerts/requests/${String(created.json.requestId)}`);
    const alertId = emulator.world.alert("inc-42:ic")?.id;
    expect(status.json.data).toMatchObject({ success: true, isSuccess: true, action: "Create", status: "Created alert", alertId, alias: "inc-42:ic" });

    clockMs += 90_000;
    expect((await call("POST", "/v2/alerts/inc-42:ic/acknowledge?identifierType=alias", { user: "bot", note: "paged" })).status).toBe(202);
    clockMs += 60_000;
    expect((await call("POST", `/v2/alerts/${String(alertId)}/close`, { source: "incident-bot" })).status).toBe(202);
    const closed = await call("GET", "/v2/alerts/1?identifierType=tiny");
    expect(closed.json.data).toMatchObject({
      status: "closed",
      acknowledged: true,
      report: { ackTime: 90_000, closeTime: 150_000, acknowledgedBy: "bot", closedBy: "System" },
    });

    // After close, the alias opens a new alert.
    await call("POST", "/v2/alerts", { message: "SEV1 again", alias: "inc-42:ic" });
    const open = await call("GET", "/v2/alerts?query=status:open");
    expect((open.json.data as { message: string }[]).map((alert) => alert.message)).toEqual(["SEV1 again"]);
    const all = await call("GET", "/v2/alerts?query=alias:inc-42:ic");
    expect(all.json.data).toHaveLength(2);
  });

  it("accepts an action on an unknown alert and reports the request as failed", async () => {
    const answer = await call("POST", "/v2/alerts/nope/close?identifierType=alias", {});
    expect(answer.status).toBe(202);
    const status = await call("GET", `/v2/alerts/requests/${String(answer.json.requestId)}`);
    expect(status.json.data).toMatchObject({ success: false, isSuccess: false, action: "Close", status: "Alert does not exist" });
    expect((await call("GET", "/v2/alerts/nope?identifierType=alias")).status).toBe(404);
    expect((await call("GET", "/v2/alerts/requests/not-a-request")).status).toBe(404);
  });
});

describe("validation and authentication", () => {
  it("answers 422 with Opsgenie's error body and creates nothing", async () => {
    const answer = await call("POST", "/v2/alerts", { message: "m".repeat(131), priority: "P9", responders: [{ type: "pager" }] });
    expect(answer.status).toBe(422);
    expect(answer.json).toMatchObject({
      message: "Request body is not processable. Please check the errors.",
      errors: {
        message: "message can not be longer than 130 characters",
        priority: "Priority should be one of [P1, P2, P3, P4, P5]",
      },
    });
    expect(Object.keys(answer.json.errors as object)).toContain("responders");
    expect(answer.json.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call("POST", "/v2/alerts", { description: "no message" })).json.errors).toEqual({ message: "Message can not be empty." });
    expect((await call("POST", "/v2/alerts", "{broken")).status).toBe(400);
    expect((await call("POST", "/v2/alerts", { message: "x", details: { blob: "y".repeat(300_000) } })).status).toBe(413);
    expect((await call("POST", "/v2/alerts/1/notes?identifierType=tiny", {})).status).toBe(422);
    expect((await call("GET", "/v2/alerts/1?identifierType=slug")).status).toBe(422);
    expect(emulator.world.alerts).toHaveLength(0);
  });

  it("answers 401 without a known GenieKey and 403 for writes with a read-only key", async () => {
    const anonymous = await fetch(`${emulator.apiUrl}/v2/alerts`, { method: "POST", body: "{}" });
    expect(anonymous.status).toBe(401);
    expect((await call("POST", "/v2/alerts", { message: "x" }, "wrong")).status).toBe(401);
    expect((await call("POST", "/v2/alerts", { message: "x" }, "ro-key")).status).toBe(403);
    expect((await call("GET", "/v2/alerts", undefined, "ro-key")).status).toBe(200);
    expect(emulator.world.alerts).toHaveLength(0);
  });
});

describe("outgoing webhook", () => {
  it("posts Create, Acknowledge, AddNote and Close with the configured headers", async () => {
    await call("POST", "/v2/alerts", { message: "SEV2: search slow", alias: "inc-7:ic", description: "d".repeat(1500), details: { incident: "7" }, user: "incident-bot" });
    await emulator.webhooks.idle();
    const acked = await emulator.acknowledge("inc-7:ic", { user: "bob@example.com" });
    expect(acked.alert.acknowledged).toBe(true);
    expect(acked.deliveries.map((delivery) => [delivery.action, delivery.status])).toEqual([["Acknowledge", 200]]);
    await call("POST", "/v2/alerts/inc-7:ic/notes?identifierType=alias", { note: "Mitigated" });
    await emulator.webhooks.idle();
    const closed = await emulator.closeAlert("inc-7:ic");
    expect(closed.alert.status).toBe("closed");
    await expect(emulator.closeAlert("inc-7:ic")).rejects.toThrow(/already closed/);

    expect(receiver.received.every((item) => item.headers.authorization === bearer)).toBe(true);
    const payloads = payloadsReceived();
    expect(payloads.map((payload) => payload.action)).toEqual(["Create", "Acknowledge", "AddNote", "Close"]);
    const alertId = emulator.world.alert("inc-7:ic")?.id;
    expect(payloads[0]).toMatchObject({
      action: "Create",
      alert: { alertId, alias: "inc-7:ic", message: "SEV2: search slow", tinyId: "1", username: "incident-bot", details: { incident: "7" }, priority: "P3" },
      source: { type: "API" },
      integrationType: "Webhook",
    });
    expect(String(payloads[0]?.alert.description)).toHaveLength(1000);
    expect(payloads[1]).toMatchObject({ alert: { username: "bob@example.com", userId: emulator.world.user("bob@example.com")?.id }, source: { type: "web" } });
    expect(payloads[2]?.alert.note).toBe("Mitigated");
  });

  it("retries failed deliveries a bounded number of times", async () => {
    await emulator.close();
    await receiver.close();
    await start([500, 502, 503]);
    await call("POST", "/v2/alerts", { message: "retry me", alias: "r" });
    await emulator.webhooks.idle();
    expect(receiver.received).toHaveLength(3);
    expect(emulator.webhooks.deliveries[0]).toMatchObject({ delivered: false, status: 503 });
    await emulator.acknowledge("r");
    expect(emulator.webhooks.deliveries[1]?.attempts.map((attempt) => attempt.status)).toEqual([200]);
  });
});

describe("faults", () => {
  it("answers an outage window with 5xx on the emulator's clock, then recovers", async () => {
    emulator.faults.add({ kind: "server_error", status: 503, route: "POST /v2/alerts", untilMs: clockMs + 10 * 60_000 });
    expect((await call("POST", "/v2/alerts", { message: "during" })).status).toBe(503);
    expect((await call("GET", "/v2/alerts")).status).toBe(200);
    clockMs += 10 * 60_000;
    expect((await call("POST", "/v2/alerts", { message: "after" })).status).toBe(202);
    expect(emulator.world.alerts.map((alert) => alert.message)).toEqual(["after"]);
    expect(emulator.callsTo("POST /v2/alerts").map((recorded) => [recorded.status, recorded.fault ?? "none"])).toEqual([
      [503, "server_error"],
      [202, "none"],
    ]);
    expect(() => emulator.faults.add({ kind: "server_error", route: "POST /v2/alert" })).toThrow(RangeError);
  });

  it("throttles with 429 and Retry-After, resets, and drops the answer after applying", async () => {
    emulator.faults.add({ kind: "rate_limited", retryAfterSeconds: 3, times: 1 });
    const throttled = await call("POST", "/v2/alerts", { message: "x" });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("3");

    emulator.faults.add({ kind: "connection_reset", times: 1 });
    await expect(call("POST", "/v2/alerts", { message: "reset", alias: "a" })).rejects.toThrow();
    expect(emulator.world.alerts).toHaveLength(0);

    emulator.faults.add({ kind: "drop_response", route: "POST /v2/alerts/:identifier/close", times: 1 });
    await call("POST", "/v2/alerts", { message: "dropped", alias: "a" });
    await expect(call("POST", "/v2/alerts/a/close?identifierType=alias", {})).rejects.toThrow();
    expect(emulator.world.alert("a")?.status).toBe("closed");
    expect(emulator.calls.map((recorded) => recorded.fault ?? "none")).toEqual(["rate_limited", "connection_reset", "none", "drop_response"]);
    emulator.resetCalls();
    expect(emulator.calls).toHaveLength(0);
  });
});
