import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { postgresUrl, round, summarize } from "./support.ts";

/**
 * What the machine itself adds to a request that follows a pause: a bare node
 * HTTP server (no bot) and a bare `SELECT 1` on an open connection, each
 * timed back to back and after 2 s of idling. Explains the declare bench's
 * figures on machines (VMs) that are slow to wake up (docs/BENCHMARKS.md).
 */

export interface IdleWakeupResult {
  target: string;
  backToBack: ReturnType<typeof summarize>;
  afterIdle: ReturnType<typeof summarize>;
}

const idleMs = 2_000;

export async function measureIdleWakeup(options: { samples: number }): Promise<IdleWakeupResult[]> {
  const server = createServer((_request, response) => response.end("ok")).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    return [
      await measure("bare node HTTP server", options.samples, async () => void (await (await fetch(url)).text())),
      await measure("SELECT 1 on an open connection", options.samples, async () => void (await client.query("SELECT 1"))),
    ];
  } finally {
    await client.end();
    server.close();
  }
}

async function measure(target: string, samples: number, once: () => Promise<void>): Promise<IdleWakeupResult> {
  const time = async () => {
    const started = performance.now();
    await once();
    return performance.now() - started;
  };
  await time(); // warm-up
  const backToBack: number[] = [];
  const afterIdle: number[] = [];
  for (let i = 0; i < samples; i++) {
    backToBack.push(await time());
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    afterIdle.push(await time());
  }
  return { target, backToBack: summarize(backToBack), afterIdle: summarize(afterIdle) };
}

export function formatIdleWakeup(results: IdleWakeupResult[]): string {
  return [
    `The machine's wake-up: one request back to back, and after ${idleMs / 1000} s idle (ms):`,
    "",
    "| target | back to back p50 | after idle p50 | after idle max |",
    "|---|---|---|---|",
    ...results.map(
      (r) => `| ${r.target} | ${round(r.backToBack.p50, 1)} | ${round(r.afterIdle.p50, 1)} | ${round(r.afterIdle.max, 1)} |`,
    ),
  ].join("\n");
}
