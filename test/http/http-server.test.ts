import type { Socket } from "node:net";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChildBot, isAlive, rawRequest, startChildBot, writeQuietly } from "../support/raw-http.ts";

/**
 * The HTTP server as the Internet meets it, against the real `npm start` in a
 * child process, so a crash is a crash. Timeouts are shortened through their
 * settings so the slow-client cases take seconds, not minutes.
 */

const maxConnections = 12;
let child: ChildBot;

beforeAll(async () => {
  child = await startChildBot("http-server", {
    HTTP_HEADERS_TIMEOUT_SECONDS: "2",
    HTTP_REQUEST_TIMEOUT_SECONDS: "3",
    HTTP_MAX_CONNECTIONS: String(maxConnections),
  });
});

afterAll(async () => {
  await child?.dispose();
});

async function expectStillServing() {
  expect(isAlive(child.bot)).toBe(true);
  const ready = await fetch(`${child.bot.url}/readyz`);
  expect(ready.status).toBe(200);
}

describe("routing", () => {
  it.each([
    ["GET", "/"],
    ["GET", "/favicon.ico"],
    ["HEAD", "/"],
    ["POST", "/anything"],
    ["GET", "/slack/events/extra"],
  ])("%s %s → 404, and the process stays up", async (method, path) => {
    const response = await fetch(`${child.bot.url}${path}`, { method });
    expect(response.status).toBe(404);
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    await expectStillServing();
  });

  it.each([
    ["GET", "/slack/events", "POST"],
    ["PUT", "/healthz", "GET"],
    ["POST", "/readyz", "GET"],
  ])("%s %s (a known path, another method) → 405 with Allow", async (method, path, allowed) => {
    const response = await fetch(`${child.bot.url}${path}`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toContain(allowed);
    await expectStillServing();
  });

  it("every response carries its own request id", async () => {
    const [first, second] = await Promise.all([
      fetch(`${child.bot.url}/healthz`),
      fetch(`${child.bot.url}/healthz`),
    ]);
    const ids = [first!.headers.get("x-request-id"), second!.headers.get("x-request-id")];
    expect(ids[0]).toBeTruthy();
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("broken request lines and oversized headers get a 4xx, not a dead process", async () => {
    const garbage = await rawRequest(child.bot.port, (s) => writeQuietly(s, "GARBAGE\r\n\r\n"));
    expect(garbage.status).toBe(400);
    const badVersion = await rawRequest(child.bot.port, (s) => writeQuietly(s, "GET / HTTP/9.9\r\n\r\n"));
    expect(badVersion.status).toBeGreaterThanOrEqual(400);
    expect(badVersion.status).toBeLessThan(500);
    const hugeHeader = await rawRequest(child.bot.port, (s) =>
      writeQuietly(s, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n\r\n`),
    );
    expect(hugeHeader.status).toBe(431);
    const absolute = await rawRequest(child.bot.port, (s) =>
      writeQuietly(s, "GET http://evil.example/%zz?%%% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    expect(absolute.status).toBe(404);
    // Paths are matched as sent, never normalised into a route they do not name.
    const dotted = await rawRequest(child.bot.port, (s) =>
      writeQuietly(s, "GET /status/../healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    expect(dotted.status).toBe(404);
    const lyingLength = await rawRequest(child.bot.port, (s) =>
      writeQuietly(s, "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"),
    );
    expect(lyingLength.status).toBe(400);
    await expectStillServing();
  });
});

describe("limits", () => {
  it("a declared body over the cap → 413 before it is read", async () => {
    const answer = await rawRequest(child.bot.port, (s) =>
      writeQuietly(
        s,
        "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{",
      ),
    );
    expect(answer.status).toBe(413);
    await expectStillServing();
  });

  it("a streamed (chunked) Slack body over the cap → 413", async () => {
    const answer = await rawRequest(child.bot.port, (s) => {
      writeQuietly(s, "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
      const chunk = "x".repeat(64 * 1024);
      for (let i = 0; i < 40; i += 1) writeQuietly(s, `${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    });
    expect(answer.status).toBe(413);
    await expectStillServing();
  });

  it("a body that trickles in is cut off with 408 at the request timeout (3 s here)", async () => {
    const answer = await rawRequest(child.bot.port, (s) =>
      writeQuietly(
        s,
        "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":",
      ),
    );
    expect(answer.status).toBe(408);
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(2_500);
    expect(answer.elapsedMs).toBeLessThan(6_000);
    await expectStillServing();
  });

  it("headers that never finish are cut off at the headers timeout (2 s here)", async () => {
    const answer = await rawRequest(child.bot.port, (s) => writeQuietly(s, "GET /healthz HTTP/1.1\r\nHost: x\r\n"));
    expect(answer.status).toBe(408);
    expect(answer.elapsedMs).toBeLessThan(5_000);
    await expectStillServing();
  });

  it(`holds at most ${maxConnections} connections; the next one is dropped, and service resumes`, async () => {
    const idle: Socket[] = [];
    try {
      for (let i = 0; i < maxConnections; i += 1) {
        idle.push(
          await new Promise<Socket>((resolve) => {
            const socket = connect(child.bot.port, "127.0.0.1", () => resolve(socket));
            socket.on("error", () => undefined);
          }),
        );
      }
      // Give the server a moment to accept them all before the extra one arrives.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const extra = await rawRequest(
        child.bot.port,
        (s) => writeQuietly(s, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        { timeoutMs: 1_500 },
      );
      expect(extra.status).toBeUndefined();
      // Closed at once, not left hanging until our own timeout.
      expect(extra.elapsedMs).toBeLessThan(1_000);
    } finally {
      for (const socket of idle) socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expectStillServing();
  });
});
