import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/core/config/env.ts";
import { caddyfileForInstalledCaddy, installedCaddyVersion } from "../support/caddy.ts";

/**
 * deploy/compose.yaml, its Caddyfile and .env.example: no image can be pulled
 * here, so the stack is checked for what would break it when it runs: two
 * bot replicas that the proxy balances and health-checks on /readyz, a
 * database they reach, healthchecks, a stop grace period that covers the
 * drain, and an example env file from which the bot's configuration loads.
 * Where Debian's docker-compose is installed, `docker-compose config` also
 * validates the file against the Compose schema.
 */

const root = fileURLToPath(new URL("../..", import.meta.url));
const deployDir = join(root, "deploy");
/** Worst-case shutdown after SIGTERM (src/main.ts `stop`): 20 s + 20 s drains, 5 s + 5 s closes. */
const worstCaseShutdownSeconds = 50;

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  env_file?: string | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test: string[] | string };
  stop_grace_period?: string;
  stop_signal?: string;
  read_only?: boolean;
}
interface Stack {
  compose: { services: Record<string, ComposeService> };
  caddyfile: string;
  envExample: string;
}

function readStack(): Stack {
  return {
    compose: parse(readFileSync(join(deployDir, "compose.yaml"), "utf8")) as Stack["compose"],
    caddyfile: readFileSync(join(deployDir, "Caddyfile"), "utf8"),
    envExample: readFileSync(join(deployDir, ".env.example"), "utf8"),
  };
}

function parseEnvFile(text: string): Record<string, string> {
  const entries = text
    .split("\n")
    .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim()))
    .filter((match) => match !== null)
    .map((match) => [match[1]!, match[2]!] as const);
  return Object.fromEntries(entries);
}

const seconds = (duration: string | undefined) => {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration ?? "");
  return match ? Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0) : 10; // Docker's default is 10 s.
};

/** Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}` substitution, with `env`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_all, name: string, kind?: string, rest?: string) => {
    if (env[name]) return env[name];
    if (kind === "-") return rest ?? "";
    throw new Error(`\${${name}} is required: ${rest}`);
  });
}

function stackProblems({ compose, caddyfile, envExample }: Stack): string[] {
  const problems: string[] = [];
  const services = compose.services;
  const bots = Object.entries(services).filter(([, s]) => (s.image ?? "").includes("incident-bot"));
  if (bots.length < 2) problems.push(`expected at least 2 bot replicas, found ${bots.length}`);
  if (!services.postgres?.healthcheck) problems.push("postgres: needs a healthcheck (the bots wait for it)");
  const example = parseEnvFile(envExample);

  for (const [name, bot] of bots) {
    const env = bot.environment ?? {};
    const port = env.PORT ?? "3000";
    const envFiles = [bot.env_file ?? []].flat();
    if (!envFiles.includes(".env")) problems.push(`${name}: secrets come from env_file .env`);
    const health = [bot.healthcheck?.test ?? []].flat().join(" ");
    if (!health.includes(`127.0.0.1:${port}/healthz`)) problems.push(`${name}: healthcheck must fetch /healthz on port ${port}`);
    if (seconds(bot.stop_grace_period) < worstCaseShutdownSeconds) {
      problems.push(`${name}: stop_grace_period ${bot.stop_grace_period ?? "10s (default)"} < ${worstCaseShutdownSeconds} s shutdown`);
    }
    if ((bot.stop_signal ?? "SIGTERM") !== "SIGTERM") problems.push(`${name}: stop_signal must be SIGTERM`);
    if (bot.read_only !== true) problems.push(`${name}: read_only root filesystem (DATABASE_URL needs no DATA_DIR)`);
    const dependsOn = bot.depends_on && !Array.isArray(bot.depends_on) ? bot.depends_on : {};
    if (dependsOn.postgres?.condition !== "service_healthy") problems.push(`${name}: depends_on postgres service_healthy`);
    if (!new RegExp(`reverse_proxy[^{\\n]*\\b${name}:${port}\\b`).test(caddyfile)) problems.push(`Caddyfile: reverse_proxy lacks ${name}:${port}`);

    // The configuration the bot would load from .env.example plus compose's environment.
    let merged: Record<string, string>;
    try {
      merged = { ...example, ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v), example)])) };
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message} (missing from .env.example)`);
      continue;
    }
    try {
      const config = loadConfig(merged);
      if (config.database.kind !== "postgres") problems.push(`${name}: replicas need DATABASE_URL (PostgreSQL)`);
      else if (new URL(config.database.url).hostname !== "postgres") problems.push(`${name}: DATABASE_URL must point at the postgres service`);
    } catch (error) {
      problems.push(`${name}: the bot would not start with .env.example: ${(error as Error).message}`);
    }
  }
  if (!/health_uri\s+\/readyz\b/.test(caddyfile)) problems.push("Caddyfile: health_uri /readyz");
  if (!/^\s*request_buffers\s+\S+/m.test(caddyfile)) problems.push("Caddyfile: request_buffers, or a retried POST loses its body");
  for (const [key, value] of Object.entries(example)) {
    if (/TOKEN|SECRET|PASSWORD/.test(key) && !value.includes("replace-me")) problems.push(`.env.example: ${key} must be a placeholder`);
  }
  return problems;
}

const stack = readStack();

describe("deploy/compose.yaml", () => {
  it("runs two replicas behind the proxy on PostgreSQL, with healthchecks and a grace period for the drain", () => {
    expect(stackProblems(stack)).toEqual([]);
  });

  it("keeps deploy/.env out of git and out of the image", () => {
    expect(execFileSync("git", ["check-ignore", "deploy/.env"], { cwd: root, encoding: "utf8" }).trim()).toBe("deploy/.env");
    // .dockerignore lets in only what it names (the first line `*`), and never an env file.
    const dockerignore = readFileSync(join(root, ".dockerignore"), "utf8").split("\n").map((line) => line.trim());
    expect(dockerignore).toContain("*");
    expect(dockerignore.filter((line) => line.startsWith("!") && line.includes("env"))).toEqual([]);
  });

  // The checks above must be able to fail.
  const breaks: [string, (s: Stack) => void, RegExp][] = [
    ["one replica", (s) => void delete s.compose.services["bot-2"], /at least 2 bot replicas/],
    ["Docker's default 10 s grace period", (s) => void delete s.compose.services["bot-1"]!.stop_grace_period, /bot-1: stop_grace_period 10s/],
    ["a replica the proxy does not know", (s) => void (s.caddyfile = s.caddyfile.replace("bot-1:3000 bot-2:3000 {", "bot-1:3000 {")), /reverse_proxy lacks bot-2:3000/],
    ["a proxy that cannot retry a POST", (s) => void (s.caddyfile = s.caddyfile.replace(/^\s*request_buffers.*$/m, "")), /request_buffers/],
    ["a proxy that checks /healthz for readiness", (s) => void (s.caddyfile = s.caddyfile.replace("health_uri /readyz", "health_uri /healthz")), /health_uri \/readyz/],
    ["an example without the signing secret", (s) => void (s.envExample = s.envExample.replace(/^SLACK_SIGNING_SECRET=.*$/m, "")), /SLACK_SIGNING_SECRET: required/],
    ["an example without the database password", (s) => void (s.envExample = s.envExample.replace(/^POSTGRES_PASSWORD=.*$/m, "")), /POSTGRES_PASSWORD\} is required/],
    ["a real-looking token in the example", (s) => void (s.envExample = s.envExample.replace("xoxb-replace-me", "xoxb-1234-5678")), /SLACK_BOT_TOKEN must be a placeholder/],
    ["a healthcheck on another port", (s) => void (s.compose.services["bot-1"]!.environment!.PORT = "4000"), /bot-1: healthcheck must fetch \/healthz on port 4000/],
  ];
  it.each(breaks)("catches %s", (_what, edit, problem) => {
    const copy = structuredClone(stack);
    edit(copy);
    expect(stackProblems(copy).join("\n")).toMatch(problem);
  });

  it.skipIf(!installedCaddyVersion())("deploy/Caddyfile passes `caddy validate` (Debian's caddy)", () => {
    const dir = mkdtempSync(join(tmpdir(), "caddy-validate-"));
    const validate = (text: string) => {
      writeFileSync(join(dir, "Caddyfile"), caddyfileForInstalledCaddy(text));
      return spawnSync("caddy", ["validate", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"], {
        encoding: "utf8",
        env: { PATH: process.env.PATH, SITE_ADDRESS: ":80", HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
      });
    };
    try {
      const result = validate(stack.caddyfile);
      expect(result.stdout + result.stderr).toContain("Valid configuration");
      expect(result.status).toBe(0);
      expect(validate(stack.caddyfile.replace("health_interval 5s", "health_interval soon")).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const composeCli = spawnSync("docker-compose", ["version"], { encoding: "utf8" }).status === 0;
  it.skipIf(!composeCli)("passes `docker-compose config` (the Compose schema), with .env.example as .env", () => {
    const dir = mkdtempSync(join(tmpdir(), "compose-config-"));
    try {
      for (const file of ["compose.yaml", "Caddyfile"]) copyFileSync(join(deployDir, file), join(dir, file));
      copyFileSync(join(deployDir, ".env.example"), join(dir, ".env"));
      const result = spawnSync("docker-compose", ["-f", join(dir, "compose.yaml"), "config", "-q"], { cwd: dir, encoding: "utf8" });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      // A value of the wrong type must be rejected, or the check proves nothing.
      writeFileSync(join(dir, "compose.yaml"), readFileSync(join(deployDir, "compose.yaml"), "utf8").replace("read_only: true", "read_only: [yes]"));
      const rejected = spawnSync("docker-compose", ["-f", join(dir, "compose.yaml"), "config", "-q"], { cwd: dir, encoding: "utf8" });
      expect(rejected.status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
