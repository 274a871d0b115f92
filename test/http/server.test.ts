import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningServer, readBody, sendJson, startHttpServer } from "../../src/core/http/server.ts";
import { createLogger } from "../../src/core/logging.ts";

/** startHttpServer on its own, with routes that misbehave on purpose. */

let running: RunningServer | undefined;
const lines: Record<string, unknown>[] = [];

afterEach(async () => {
  await running?.close();
  running = undefined;
  lines.length = 0;
});

function captureLogger() {
  return createLogger(
    "debug",
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    }),
  );
}

async function start() {
  running = await startHttpServer({
    port: 0,
    host: "127.0.0.1",
    log: captureLogger(),
    limits: { maxBodyBytes: 100 },
    routes: {
      "GET /throws": () => {
        throw new Error("handler blew up");
      },
      "GET /rejects": async () => {
        await Promise.resolve();
        throw new Error("handler rejected");
      },
      "GET /throws-mid-answer": (_request, response) => {
        response.writeHead(200, { "content-type": "text/plain" });
        response.write("partial");
        throw new Error("handler failed after writing");
      },
      "POST /echo": async (request, response) => {
        const body = await readBody(request, 100);
        sendJson(response, 200, { length: body.length });
      },
    },
  });
  return `http://127.0.0.1:${running.port}`;
}

describe("startHttpServer", () => {
  it.each(["/throws", "/rejects"])("GET %s → 500, logged with the request id it answered with", async (path) => {
    const url = await start();
    const response = await fetch(`${url}${path}`);
    expect(response.status).toBe(500);
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    expect(await response.json()).toEqual({ error: "internal error", requestId });
    const logged = lines.find((line) => line.msg === "http request handler failed");
    expect(logged).toMatchObject({ requestId, path, method: "GET", err: { message: expect.stringContaining("handler") } });
    expect((await fetch(`${url}/throws`)).status).toBe(500);
  });

  it("a handler that fails after answering has its connection closed, not a second answer", async () => {
    const url = await start();
    await expect(fetch(`${url}/throws-mid-answer`).then((r) => r.text())).rejects.toThrow();
    expect(lines.some((line) => line.msg === "http request handler failed")).toBe(true);
    expect((await fetch(`${url}/throws`)).status).toBe(500);
  });

  it("a body over the route's cap is refused, declared or not", async () => {
    const url = await start();
    expect((await fetch(`${url}/echo`, { method: "POST", body: "x".repeat(50) })).status).toBe(200);
    expect((await fetch(`${url}/echo`, { method: "POST", body: "x".repeat(500) })).status).toBe(413);
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i += 1) controller.enqueue(new Uint8Array(60));
        controller.close();
      },
    });
    const chunked = await fetch(`${url}/echo`, { method: "POST", body: streamed, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(lines.some((line) => line.msg === "http request handler failed")).toBe(false);
  });
});
