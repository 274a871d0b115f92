import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "./wait.ts";

/**
 * A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`; .ci/run
 * installs it) for tests of the alert intake: started on free ports with a
 * config written to a temporary directory, clustering off, one webhook
 * receiver pointing at the URL the test gives. Alerts go in through
 * Alertmanager's own API (`POST /api/v2/alerts`), as Prometheus sends them,
 * so what reaches the webhook is what a production Alertmanager sends.
 */
export const alertmanagerBinary = "/usr/bin/prometheus-alertmanager";

/**
 * The binary, installing Debian's package first when it is missing and this
 * process may (root, with apt-get); otherwise why it cannot be had, for the
 * test's skip message.
 */
export function findAlertmanager(): { binary: string } | { unavailable: string } {
  if (existsSync(alertmanagerBinary)) return { binary: alertmanagerBinary };
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) {
    return {
      unavailable: `${alertmanagerBinary} is missing and this user cannot install it: apt-get install -y prometheus-alertmanager (as root)`,
    };
  }
  const install = spawnSync(
    "sh",
    ["-c", "apt-get update -qq && apt-get install -y -qq prometheus-alertmanager"],
    { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, encoding: "utf8", timeout: 300_000 },
  );
  if (existsSync(alertmanagerBinary)) return { binary: alertmanagerBinary };
  return {
    unavailable: `${alertmanagerBinary} is missing and apt-get install -y prometheus-alertmanager failed (exit ${install.status}): ${(install.stderr ?? "").trim().slice(-500)}`,
  };
}

export interface AlertmanagerOptions {
  /** Where the webhook receiver posts (the bot's /alerts/alertmanager, or a test's receiver). */
  webhookUrl: string;
  /** Sent as `Authorization: Bearer <token>` (http_config.authorization); none when absent. */
  bearerToken?: string;
  /** The route's group_by; Alertmanager's usual [alertname] when absent. */
  groupBy?: string[];
  /** Durations in Alertmanager's syntax ("1s", "5m"). Short defaults keep tests quick. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  resolveTimeout?: string;
  /** The receiver's max_alerts; 0 (no limit) when absent. */
  maxAlerts?: number;
}

/** An alert as Prometheus posts it to Alertmanager's v2 API. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface RunningAlertmanager {
  /** Alertmanager's own base URL (its API and UI). */
  url: string;
  /** Posts the alerts as firing. */
  pushAlerts(alerts: PostableAlert[]): Promise<void>;
  /** Posts the same alerts again with endsAt in the past, which resolves them. */
  resolveAlerts(alerts: PostableAlert[]): Promise<void>;
  /** Alertmanager's log so far (stderr), for failure messages. */
  log(): string;
  close(): Promise<void>;
}

export async function startAlertmanager(options: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const found = findAlertmanager();
  if ("unavailable" in found) throw new Error(found.unavailable);
  const directory = mkdtempSync(join(tmpdir(), "bot-alertmanager-"));
  const configFile = join(directory, "alertmanager.yml");
  const webhook: Record<string, unknown> = {
    url: options.webhookUrl,
    send_resolved: true,
    max_alerts: options.maxAlerts ?? 0,
  };
  if (options.bearerToken !== undefined) {
    webhook.http_config = { authorization: { type: "Bearer", credentials: options.bearerToken } };
  }
  // YAML is a superset of JSON: JSON needs no escaping rules of our own for URLs and tokens.
  const config = {
    global: { resolve_timeout: options.resolveTimeout ?? "5m" },
    route: {
      receiver: "bot",
      group_by: options.groupBy ?? ["alertname"],
      group_wait: options.groupWait ?? "1s",
      group_interval: options.groupInterval ?? "1s",
      repeat_interval: options.repeatInterval ?? "1h",
    },
    receivers: [{ name: "bot", webhook_configs: [webhook] }],
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = "";
  const child: ChildProcess = spawn(
    found.binary,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(directory, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // An empty address turns clustering (gossip on 9094) off: one instance, no peers to wait for.
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  child.stderr!.on("data", (chunk: Buffer) => {
    log += chunk.toString("utf8");
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const close = async () => {
    if (!hasExited) {
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(directory, { recursive: true, force: true });
  };

  try {
    await waitFor(
      (): Promise<number | "exited" | undefined> | "exited" =>
        hasExited
          ? "exited"
          : fetch(`${url}/-/ready`).then(
              (response) => response.status,
              () => undefined,
            ),
      (status) => status === 200 || status === "exited",
      { what: "Alertmanager to be ready", timeoutMs: 30_000, intervalMs: 100 },
    );
    if (hasExited) throw new Error("exited before it was ready");
  } catch (error) {
    await close();
    throw new Error(`Alertmanager did not start: ${(error as Error).message}; its log: ${log}`, { cause: error });
  }

  // Resolving must repeat an alert's startsAt: Alertmanager refuses an alert that ends before it starts.
  const startedAt = new Map<string, string>();
  const post = async (alerts: PostableAlert[]) => {
    const response = await fetch(`${url}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(alerts),
    });
    if (!response.ok) {
      throw new Error(`Alertmanager refused the alerts: ${response.status} ${await response.text()}`);
    }
  };

  return {
    url,
    log: () => log,
    close,
    async pushAlerts(alerts) {
      const now = new Date().toISOString();
      await post(
        alerts.map((alert) => {
          const startsAt = alert.startsAt ?? startedAt.get(labelKey(alert.labels)) ?? now;
          startedAt.set(labelKey(alert.labels), startsAt);
          return { ...alert, startsAt };
        }),
      );
    },
    async resolveAlerts(alerts) {
      const now = Date.now();
      await post(
        alerts.map((alert) => {
          const startsAt = alert.startsAt ?? startedAt.get(labelKey(alert.labels)) ?? new Date(now - 60_000).toISOString();
          const endsAt = new Date(Math.max(Date.parse(startsAt), now - 1000)).toISOString();
          return { ...alert, startsAt, endsAt };
        }),
      );
    },
  };
}

function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
