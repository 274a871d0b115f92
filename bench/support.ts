import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export const playbookFile = fileURLToPath(new URL("../playbook.yml", import.meta.url));
export const postgresUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export function percentile(sortedValues: number[], p: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const index = Math.min(sortedValues.length - 1, Math.ceil((p / 100) * sortedValues.length) - 1);
  return sortedValues[Math.max(0, index)]!;
}

export function summarize(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export function machineDescription(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} × ${cpu}, Node ${process.version}`;
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `bench-${label}-`));
}

/** A fresh schema on the benchmark PostgreSQL, as a DATABASE_URL. */
export async function freshPostgresSchema(
  label: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `bench_${label}_${Date.now()}`;
  const url = new URL(postgresUrl);
  url.searchParams.set("schema", schema);
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/**
 * How the bot under test is run: `built` is `npm start` (plain node on dist/,
 * compiled by `npm run build`), `source` is TypeScript through tsx, as tests and
 * the demo run it.
 */
export type BotBuild = "built" | "source";
export const botBuilds: readonly BotBuild[] = ["built", "source"];

export function botNodeArgs(build: BotBuild): string[] {
  // The V8 flags of `npm start` (package.json) for both, so the difference is compiling ahead alone.
  const flags = ["--max-semi-space-size=2", "--enable-source-maps"];
  return build === "built"
    ? [...flags, fileURLToPath(new URL("../dist/cli/start.js", import.meta.url))]
    : [...flags, "--import", "tsx", fileURLToPath(new URL("../src/cli/start.ts", import.meta.url))];
}

/** Compiles dist/ afresh, so `built` measures the code of this checkout. */
export function buildOnce(): void {
  if (built) return;
  const result = spawnSync("npm", ["run", "build"], { stdio: "inherit", cwd: fileURLToPath(new URL("..", import.meta.url)) });
  if (result.status !== 0) throw new Error("npm run build failed");
  built = true;
}
let built = false;
