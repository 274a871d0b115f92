import { type ChildProcess, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { defaultPlaybookFile } from "./paths.ts";
import { waitFor } from "./wait.ts";

/**
 * Runs the real `npm start` entry point (src/cli/start.ts) as a child
 * process, for what only a separate process can show: signals, SIGKILL
 * crashes, several replicas on one database.
 */

const startScript = fileURLToPath(new URL("../../src/cli/start.ts", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface BotProcess {
  child: ChildProcess;
  port: number;
  url: string;
  logs: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function spawnBot(
  env: Record<string, string>,
  options: { script?: string; readyTimeoutMs?: number; nodeArgs?: string[] } = {},
): Promise<BotProcess> {
  const args = options.nodeArgs ?? ["--import", "tsx", options.script ?? startScript];
  const child = spawn(process.execPath, args, {
    cwd: repositoryRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      LOG_LEVEL: "info",
      PORT: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`bot did not start in time; stderr: ${stderr}`)),
      options.readyTimeoutMs ?? 30_000,
    );
    onJsonLines(child.stdout!, (entry) => {
      logs.push(entry);
      if (entry.msg === "incident bot listening") {
        clearTimeout(timer);
        resolve(entry.port as number);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`bot exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
  return { child, port, url: `http://127.0.0.1:${port}`, logs, exited };
}

/** Calls `onEntry` with each line of `stream` that parses as JSON, as it arrives; other lines are passed over. */
export function onJsonLines(stream: Readable, onEntry: (entry: Record<string, unknown>) => void): void {
  let buffered = "";
  stream.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // Not a JSON line.
      }
      onEntry(entry);
    }
  });
}

export async function waitUntilReady(url: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    () => fetch(`${url}/readyz`).then((response) => response.status, () => undefined),
    (status) => status === 200,
    { what: `${url}/readyz to answer 200`, timeoutMs, intervalMs: 50 },
  );
}

/** Kills (SIGKILL) whichever of these children still run, and waits for them to exit. */
export async function killAll(children: BotProcess[]): Promise<void> {
  for (const child of children.splice(0)) {
    if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill("SIGKILL");
    await child.exited;
  }
}

/** The environment a child bot needs to share a test bot's Slack emulator and database. */
export function childEnvFor(
  bot: { emulator: { apiUrl: string }; dataDir: string; database: { target: { kind: string; url?: string } } },
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: "xoxb-crash-test",
    SLACK_SIGNING_SECRET: "test-signing-secret",
    SLACK_API_URL: bot.emulator.apiUrl,
    PLAYBOOK_FILE: defaultPlaybookFile,
    DATA_DIR: bot.dataDir,
    // A killed process's claim must expire quickly for the test to be short.
    TIMER_LEASE_SECONDS: "1",
    ...extra,
  };
  if (bot.database.target.kind === "postgres" && bot.database.target.url) env.DATABASE_URL = bot.database.target.url;
  return env;
}
