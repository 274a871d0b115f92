import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SlackEmulator, startSlackEmulator } from "../../tools/emulators/slack/index.ts";
import { waitUntilReady } from "../support/bot-process.ts";
import { caddyfileForInstalledCaddy } from "../support/caddy.ts";
import { dropSchema, freshSchemaName, postgresTarget } from "../support/database.ts";
import { SlackRequestSender } from "../support/slack-signer.ts";
import { waitFor } from "../support/wait.ts";

/**
 * The production image, run the way an operator runs it: two replicas of the
 * real container (`--network host`, so they reach the emulator and the
 * PostgreSQL on this machine) sharing one database. One is stopped with
 * `docker stop` while a declaration is in flight: it must finish that work
 * and exit 0, and the other must keep serving. In front of them runs Caddy
 * (Debian's `caddy`) with deploy/Caddyfile, the Compose stack's proxy, its
 * upstreams pointed at the two containers: requests through it keep working
 * while a replica drains.
 */

const image = process.env.CONTAINER_IMAGE ?? "incident-bot:ci";
const signingSecret = "container-test-signing-secret";
const botToken = "xoxb-container-test-token-never-logged";
const run = promisify(execFile);
const suffix = `${process.pid}-${Date.now()}`;

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run("docker", args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

interface Replica {
  name: string;
  url: string;
}

let emulator: SlackEmulator;
let schema: string;
const replicas: Replica[] = [];
let proxy: { url: string; child: ChildProcess; dir: string } | undefined;

/**
 * deploy/Caddyfile as Compose runs it, with `bot-1:3000 bot-2:3000` replaced
 * by these upstreams (and spelled for Debian's older Caddy, see support/caddy.ts).
 */
async function startProxy(upstreams: string[]): Promise<NonNullable<typeof proxy>> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "incident-bot-caddy-"));
  const shipped = readFileSync(fileURLToPath(new URL("../../deploy/Caddyfile", import.meta.url)), "utf8");
  const adapted = shipped.replace(/reverse_proxy bot-1:3000 bot-2:3000 \{/, `reverse_proxy ${upstreams.join(" ")} {`);
  if (adapted === shipped) throw new Error("deploy/Caddyfile no longer proxies to bot-1:3000 bot-2:3000: update this test");
  // No admin endpoint or certificates on the test machine; the rest is the shipped file.
  writeFileSync(join(dir, "Caddyfile"), `{\n\tadmin off\n\tauto_https off\n}\n${caddyfileForInstalledCaddy(adapted)}`);
  const child = spawn("caddy", ["run", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"], {
    env: { PATH: process.env.PATH ?? "", HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, SITE_ADDRESS: `:${port}` },
    stdio: "ignore",
  });
  const started = { url: `http://127.0.0.1:${port}`, child, dir };
  await waitUntilReady(started.url, 30_000);
  return started;
}

async function startReplica(label: string, databaseUrl: string, extra: string[] = []): Promise<Replica> {
  const port = await freePort();
  const name = `incident-bot-test-${label}-${suffix}`;
  // `-e NAME` without a value: docker reads it from its own environment, so
  // the secrets never appear on a command line.
  await run(
    "docker",
    [
      "run", "--detach", "--name", name, "--network", "host",
      "-e", "SLACK_BOT_TOKEN", "-e", "SLACK_SIGNING_SECRET", "-e", "DATABASE_URL",
      "-e", `SLACK_API_URL=${emulator.apiUrl}`, "-e", `PORT=${port}`,
      ...extra,
      image,
    ],
    {
      env: {
        PATH: process.env.PATH ?? "",
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: signingSecret,
        DATABASE_URL: databaseUrl,
      },
    },
  );
  const replica = { name, url: `http://127.0.0.1:${port}` };
  replicas.push(replica);
  return replica;
}

function sender(replica: { url: string }): SlackRequestSender {
  return new SlackRequestSender(replica.url, signingSecret, (c, u) => emulator.responseUrl(c, u));
}

async function inspect(name: string): Promise<{ State: { Status: string; ExitCode: number; Health?: { Status: string } } }> {
  return (JSON.parse(await docker("inspect", name)) as [{ State: { Status: string; ExitCode: number; Health?: { Status: string } } }])[0];
}

function incidentChannels(): string[] {
  return emulator.world
    .channels()
    .map((channel) => channel.name)
    .filter((name) => name.startsWith("inc-"));
}

beforeAll(async () => {
  emulator = await startSlackEmulator({ host: "127.0.0.1" });
  schema = freshSchemaName("container");
  const target = postgresTarget(schema);
  if (target.kind !== "postgres") throw new Error("the container test needs PostgreSQL (DATABASE_URL)");
  const databaseUrl = target.url;
  // Both start at once on an empty schema: their migrations race (an advisory lock decides).
  // The second runs as deploy/kubernetes does: read-only root filesystem, a tmpfs /tmp.
  const [a, b] = await Promise.all([
    startReplica("a", databaseUrl),
    startReplica("b", databaseUrl, ["--read-only", "--tmpfs", "/tmp"]),
  ]);
  try {
    await Promise.all([waitUntilReady(a!.url, 60_000), waitUntilReady(b!.url, 60_000)]);
    proxy = await startProxy([new URL(a!.url).host, new URL(b!.url).host]);
  } catch (error) {
    for (const replica of replicas) console.error(`--- docker logs ${replica.name}\n${await docker("logs", replica.name).catch(String)}`);
    throw error;
  }
});

afterAll(async () => {
  if (proxy) {
    proxy.child.kill("SIGTERM");
    rmSync(proxy.dir, { recursive: true, force: true });
  }
  for (const replica of replicas) await docker("rm", "--force", replica.name).catch(() => undefined);
  await emulator?.close();
  if (schema) await dropSchema(schema);
});

describe("the production image", () => {
  it("runs as a non-root user, with a healthcheck, SIGTERM as stop signal, and nothing from the build stage", async () => {
    const [config] = JSON.parse(await docker("image", "inspect", image)) as [
      { Config: { User: string; Env: string[]; StopSignal?: string; Healthcheck?: { Test: string[] }; Cmd: string[] } },
    ];
    expect(config.Config.User).toBe("10001:10001");
    expect(config.Config.StopSignal).toBe("SIGTERM");
    expect(config.Config.Healthcheck?.Test.join(" ")).toContain("/healthz");
    expect(config.Config.Cmd[0]).toBe("node");
    // The build's proxy CA was trusted by npm in the build stage only.
    expect(config.Config.Env.join("\n")).not.toMatch(/NODE_EXTRA_CA_CERTS|build-ca/);
    const probe = await docker(
      "run", "--rm", "--network", "none", "--entrypoint", "node", image, "-e",
      [
        "const fs = require('node:fs');",
        "console.log(JSON.stringify({",
        "  uid: process.getuid(),",
        "  buildCa: fs.existsSync('/src') || fs.existsSync('/app/build-ca.pem'),",
        "  devDependency: fs.existsSync('/app/node_modules/typescript') || fs.existsSync('/app/node_modules/vitest'),",
        "  sources: fs.existsSync('/app/src'),",
        "  entry: fs.existsSync('/app/dist/cli/start.js'),",
        "  migrations: fs.readdirSync('/app/dist/migrations').length > 0,",
        "  playbook: fs.existsSync('/app/playbook.yml') && fs.readdirSync('/app/notices').length,",
        "}));",
      ].join("\n"),
    );
    expect(JSON.parse(probe)).toEqual({
      uid: 10001,
      buildCa: false,
      devDependency: false,
      sources: false,
      entry: true,
      migrations: true,
      playbook: 5,
    });
  });

  it("serves two replicas on one PostgreSQL; `docker stop` drains one (exit 0) while the other keeps serving", async () => {
    const [a, b] = replicas as [Replica, Replica];
    const viaProxy = proxy!;
    const first = await sender(viaProxy).slashCommand("declare sev2 Checkout API returning 500s");
    expect(first.status).toBe(200);
    await waitFor(incidentChannels, (names) => names.length === 1, { what: "the first incident channel", timeoutMs: 20_000 });
    expect(incidentChannels()[0]).toMatch(/^inc-1-checkout-api-returning-500s$/);

    // A declaration in flight when the stop comes: Slack answers slowly.
    emulator.faults.add({ method: "conversations.create", kind: "slow", delayMs: 2_000, times: 1 });
    const inFlight = await sender(a).slashCommand("declare sev3 Search latency during a deploy");
    expect(inFlight.status).toBe(200);
    const stopStarted = Date.now();
    await docker("stop", "--time", "30", a.name);
    const stopSeconds = (Date.now() - stopStarted) / 1000;
    console.info(`docker stop took ${stopSeconds.toFixed(1)} s`);
    const stopped = await inspect(a.name);
    expect(stopped.State.Status).toBe("exited");
    expect(stopped.State.ExitCode).toBe(0);
    // Drained by itself, well inside docker's 30 s (a SIGKILL would show as 137).
    expect(stopSeconds).toBeLessThan(20);
    const logs = await run("docker", ["logs", a.name]).then(({ stdout, stderr }) => stdout + stderr);
    expect(logs).toContain("shutdown complete");
    expect(logs).not.toContain(botToken);
    expect(logs).not.toContain(signingSecret);
    // The in-flight declaration was finished, not cut off.
    expect(incidentChannels()).toContain("inc-2-search-latency-during-a-deploy");

    // The other replica carries on, directly and through the proxy. Right
    // after the stop, before the proxy's /readyz check notices, round robin
    // still picks the stopped replica for every other request: Caddy must
    // retry those on the live one.
    expect((await fetch(`${b.url}/readyz`)).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await fetch(`${viaProxy.url}/api/v2/summary.json`)).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    const third = await sender(viaProxy).slashCommand("declare sev2 Payments webhook backlog");
    expect(third.status).toBe(200);
    await waitFor(incidentChannels, (names) => names.includes("inc-3-payments-webhook-backlog"), {
      what: "the third incident channel, declared through the proxy on the surviving replica",
      timeoutMs: 20_000,
    });
    // Metrics are not for the internet: Caddy answers (the bot stamps every
    // answer of its own, its 404s included, with x-request-id).
    const unknownPath = await fetch(`${viaProxy.url}/no-such-page`);
    expect([unknownPath.status, unknownPath.headers.has("x-request-id")]).toEqual([404, true]);
    const metrics = await fetch(`${viaProxy.url}/metrics`);
    expect([metrics.status, metrics.headers.has("x-request-id")]).toEqual([404, false]);
    // Its image HEALTHCHECK (node's fetch against /healthz) passes.
    await waitFor(() => inspect(b.name).then((state) => state.State.Health?.Status), (status) => status === "healthy", {
      what: `${b.name} to be reported healthy by docker`,
      timeoutMs: 60_000,
      intervalMs: 1_000,
    });
  });
});
