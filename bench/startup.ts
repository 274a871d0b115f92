import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startSlackEmulator } from "../tools/emulators/slack/index.ts";
import { type BotBuild, botBuilds, botNodeArgs, buildOnce, freshPostgresSchema, playbookFile, round, tempDir } from "./support.ts";

/**
 * Start-to-ready (spawn of the bot's command → first 200 from /readyz,
 * migrations included) and idle RSS (VmRSS after 10 s of idling), on the
 * embedded PGlite (a new data directory, then the same one again) and on
 * PostgreSQL (a new schema, then the same one again); for the build
 * (`npm start`: plain node on dist/) and for the source (tsx), in one sitting.
 */

const root = fileURLToPath(new URL("..", import.meta.url));

export interface StartupSample {
  build: BotBuild;
  database: string;
  startToReadyMs: number;
  idleRssMb: number;
}

export async function measureStartup(options: { idleSeconds: number }): Promise<StartupSample[]> {
  buildOnce();
  const emulator = await startSlackEmulator();
  const samples: StartupSample[] = [];
  try {
    for (const build of botBuilds) {
      const dataDir = tempDir("startup");
      const baseEnv = {
        SLACK_BOT_TOKEN: "xoxb-bench",
        SLACK_SIGNING_SECRET: "bench",
        SLACK_API_URL: emulator.apiUrl,
        PLAYBOOK_FILE: playbookFile,
      };
      const run = (database: string, env: Record<string, string>) => sample(build, database, env, options.idleSeconds);
      samples.push(await run("PGlite, new data dir", { ...baseEnv, DATA_DIR: dataDir }));
      samples.push(await run("PGlite, existing data dir", { ...baseEnv, DATA_DIR: dataDir }));
      rmSync(dataDir, { recursive: true, force: true });

      const schema = await freshPostgresSchema("startup");
      const pgEnv = { ...baseEnv, DATABASE_URL: schema.url, DATA_DIR: tempDir("unused") };
      samples.push(await run("PostgreSQL, new schema", pgEnv));
      samples.push(await run("PostgreSQL, migrated schema", pgEnv));
      await schema.drop();
    }
  } finally {
    await emulator.close();
  }
  return samples;
}

async function sample(
  build: BotBuild,
  database: string,
  env: Record<string, string>,
  idleSeconds: number,
): Promise<StartupSample> {
  const port = 30_000 + Math.floor(Math.random() * 20_000);
  const started = performance.now();
  const child = spawn(process.execPath, botNodeArgs(build), {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", ...env, PORT: String(port), LOG_LEVEL: "warn" },
    stdio: "ignore",
  });
  try {
    await waitForReady(`http://127.0.0.1:${port}/readyz`, child);
    const startToReadyMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    return { build, database, startToReadyMs, idleRssMb: rssMegabytes(child.pid!) };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  }
}

async function waitForReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`bot exited with ${child.exitCode}`);
    const response = await fetch(url).catch(() => undefined);
    if (response?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("bot not ready after 60 s");
}

function rssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export function formatStartup(samples: StartupSample[], idleSeconds: number): string {
  return [
    `Start to ready (spawn → /readyz 200) and idle RSS after ${idleSeconds} s:`,
    "",
    "| code | database | start to ready (ms) | idle RSS (MB) |",
    "|---|---|---|---|",
    ...samples.map(
      (s) => `| ${s.build} | ${s.database} | ${round(s.startToReadyMs, 0)} | ${round(s.idleRssMb, 0)} |`,
    ),
  ].join("\n");
}
