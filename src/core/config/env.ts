import { z } from "zod";

/**
 * Operator settings, parsed from the environment (SPEC.md, "Interfaces for
 * operators"). `loadConfig(env)` takes its environment as an argument so tests
 * and the demo can build a config without touching `process.env`.
 */

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

const environment = z.object({
  SLACK_BOT_TOKEN: optionalText.refine((v) => v === undefined || v.startsWith("xoxb-"), {
    message: "must be a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)",
  }),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.refine((v) => v === undefined || v.startsWith("xapp-"), {
    message:
      "must be an app-level token starting with xapp- (Basic Information → App-Level Tokens)",
  }),
  SLACK_API_URL: optionalText
    .pipe(z.url({ message: "must be a URL such as https://slack.com/api/" }).optional())
    .transform((v) => withTrailingSlash(v ?? "https://slack.com/api/")),
  PORT: optionalText
    .transform((v) => Number(v ?? "3000"))
    .pipe(z.number({ message: "must be a port number" }).int().min(0).max(65535)),
  // Messages never quote the value: a URL holds its password.
  DATABASE_URL: optionalText
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
      message: "must start with postgresql:// (leave unset for the embedded database)",
    })
    .refine((v) => v === undefined || !/^postgres(ql)?:\/\//.test(v) || isUrl(v), {
      message:
        "is not a valid URL: use postgresql://user:password@host:5432/database, with special characters in the password percent-encoded",
    }),
  DATA_DIR: optionalText.transform((v) => v ?? "./data"),
  GITHUB_TOKEN: optionalText,
  GITHUB_REPOSITORY: optionalText.refine((v) => v === undefined || /^[\w.-]+\/[\w.-]+$/.test(v), {
    message: "must look like owner/name",
  }),
  GITHUB_API_URL: optionalText
    .pipe(z.url({ message: "must be a URL such as https://api.github.com" }).optional())
    .transform((v) => v ?? "https://api.github.com"),
  GITHUB_WEBHOOK_SECRET: optionalText,
  PLAYBOOK_FILE: optionalText.transform((v) => v ?? "./playbook.yml"),
  INCIDENT_ANNOUNCE_CHANNEL: optionalText,
  LOG_LEVEL: optionalText.pipe(logLevel.optional()).transform((v) => v ?? "info"),
  SMTP_URL: optionalText.refine((v) => v === undefined || (/^smtps?:\/\//.test(v) && isUrl(v)), {
    message:
      "must look like smtp://user:password@host:587 or smtps://…, with special characters in the password percent-encoded",
  }),
  NOTICE_RECIPIENTS: optionalText,
  TIMER_TICK_SECONDS: optionalText
    .transform((v) => Number(v ?? "1"))
    .pipe(z.number({ message: "must be a number of seconds" }).int().min(1).max(60)),
  TIMER_LEASE_SECONDS: optionalText
    .transform((v) => Number(v ?? "60"))
    .pipe(z.number({ message: "must be a number of seconds" }).min(1).max(3600)),
  // Defaults in src/core/http/server.ts (defaultHttpLimits), documented in README.md.
  HTTP_HEADERS_TIMEOUT_SECONDS: optionalText
    .transform((v) => Number(v ?? "10"))
    .pipe(z.number({ message: "must be a number of seconds" }).min(1).max(300)),
  HTTP_REQUEST_TIMEOUT_SECONDS: optionalText
    .transform((v) => Number(v ?? "30"))
    .pipe(z.number({ message: "must be a number of seconds" }).min(1).max(300)),
  HTTP_MAX_CONNECTIONS: optionalText
    .transform((v) => Number(v ?? "500"))
    .pipe(z.number({ message: "must be a whole number of connections" }).int().min(1).max(100_000)),
  // docs/METRICS.md: GET /metrics reads the database at most once per this window.
  METRICS_CACHE_SECONDS: optionalText
    .transform((v) => Number(v ?? "15"))
    .pipe(z.number({ message: "must be a number of seconds" }).min(1).max(600)),
  METRICS_TOKEN: optionalText,
  // Alert intake (docs/ALERTS.md): a source without its secret is switched off.
  ALERTS_ALERTMANAGER_TOKEN: optionalText,
  ALERTS_GRAFANA_TOKEN: optionalText,
  ALERTS_GENERIC_TOKEN: optionalText,
  ALERTS_GENERIC_HMAC_SECRET: optionalText,
  // Pagers beyond Slack (docs/PAGERS.md).
  PAGERDUTY_ROUTING_KEY: optionalText,
  PAGERDUTY_EVENTS_URL: optionalText
    .pipe(z.url({ message: "must be a URL such as https://events.pagerduty.com" }).optional())
    .transform((v) => withoutTrailingSlash(v ?? "https://events.pagerduty.com")),
  PAGERDUTY_WEBHOOK_SECRET: optionalText,
  OPSGENIE_API_KEY: optionalText,
  OPSGENIE_API_URL: optionalText
    .pipe(z.url({ message: "must be a URL such as https://api.opsgenie.com" }).optional())
    .transform((v) => withoutTrailingSlash(v ?? "https://api.opsgenie.com")),
  OPSGENIE_WEBHOOK_TOKEN: optionalText,
});

export type SlackMode = "http" | "socket";

export interface AppConfig {
  slack: {
    mode: SlackMode;
    botToken: string;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string;
  };
  port: number;
  database: { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };
  github:
    | {
        enabled: true;
        token: string;
        repository: string;
        apiUrl: string;
        webhookSecret: string | undefined;
      }
    | { enabled: false; missing: string[] };
  playbookFile: string;
  announceChannel: string | undefined;
  logLevel: z.infer<typeof logLevel>;
  timers: { tickSeconds: number; leaseSeconds: number };
  http: { headersTimeoutMs: number; requestTimeoutMs: number; maxConnections: number };
  /** GET /metrics: the database summary's cache window, and the bearer token it wants (none: open). */
  metrics: { cacheSeconds: number; token: string | undefined };
  /** Sending approved notices by mail: off unless both settings are given. */
  smtp: { url: string; recipients: string[] } | undefined;
  /** The secret each alert source must present; a source without one is switched off. */
  alerts: AlertSourceSecrets;
  /** Pagers beyond Slack; each is off until its key is set. */
  pagers: {
    pagerduty: { routingKey: string | undefined; eventsUrl: string; webhookSecret: string | undefined };
    opsgenie: { apiKey: string | undefined; apiUrl: string; webhookToken: string | undefined };
  };
}

export interface AlertSourceSecrets {
  alertmanagerToken: string | undefined;
  grafanaToken: string | undefined;
  genericToken: string | undefined;
  genericHmacSecret: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

type Environment = z.infer<typeof environment>;

/**
 * Reads every setting at once and reports every problem in one error: format
 * errors, missing required settings and the checks that span settings (Slack
 * mode, the SMTP pair, the HTTP timeouts) together, so an operator fixes them
 * in one round. Each setting is parsed on its own, so one bad value does not
 * hide the checks that depend on the others. No message quotes a value.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const parsed: Partial<Record<keyof Environment, unknown>> = {};
  for (const [name, schema] of Object.entries(environment.shape) as [keyof Environment, z.ZodType][]) {
    const result = schema.safeParse(env[name]);
    if (result.success) parsed[name] = result.data;
    else for (const issue of result.error.issues) problems.push(`${[name, ...issue.path].join(".")}: ${issue.message}`);
  }
  // Presence does not depend on format: a malformed value counts as given
  // (its format problem is already listed) rather than also as missing.
  const given = (name: keyof Environment) => Boolean(env[name]?.trim());
  const mode: SlackMode = given("SLACK_APP_TOKEN") ? "socket" : "http";
  if (!given("SLACK_BOT_TOKEN")) {
    problems.push("SLACK_BOT_TOKEN: required (the xoxb- token from OAuth & Permissions)");
  }
  if (mode === "http" && !given("SLACK_SIGNING_SECRET")) {
    problems.push(
      "SLACK_SIGNING_SECRET: required in HTTP mode (Basic Information → Signing Secret), or set SLACK_APP_TOKEN for Socket Mode",
    );
  }
  if (given("SMTP_URL") !== given("NOTICE_RECIPIENTS")) {
    problems.push("SMTP_URL and NOTICE_RECIPIENTS: set both to send approved notices by mail, or neither");
  }
  const headersSeconds = parsed.HTTP_HEADERS_TIMEOUT_SECONDS;
  const requestSeconds = parsed.HTTP_REQUEST_TIMEOUT_SECONDS;
  if (typeof headersSeconds === "number" && typeof requestSeconds === "number" && headersSeconds > requestSeconds) {
    problems.push("HTTP_HEADERS_TIMEOUT_SECONDS: must not exceed HTTP_REQUEST_TIMEOUT_SECONDS (the headers are part of the request)");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // Every field parsed (no problems), so `parsed` is a whole Environment.
  const e = parsed as Environment;

  const githubSettings = {
    GITHUB_TOKEN: e.GITHUB_TOKEN,
    GITHUB_REPOSITORY: e.GITHUB_REPOSITORY,
  };
  const missingGithub = Object.entries(githubSettings)
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);

  return {
    slack: {
      mode,
      botToken: e.SLACK_BOT_TOKEN!,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
    },
    port: e.PORT,
    database: e.DATABASE_URL
      ? { kind: "postgres", url: e.DATABASE_URL }
      : { kind: "pglite", dataDir: e.DATA_DIR },
    github:
      missingGithub.length === 0
        ? {
            enabled: true,
            token: e.GITHUB_TOKEN!,
            repository: e.GITHUB_REPOSITORY!,
            apiUrl: e.GITHUB_API_URL,
            webhookSecret: e.GITHUB_WEBHOOK_SECRET,
          }
        : { enabled: false, missing: missingGithub },
    playbookFile: e.PLAYBOOK_FILE,
    announceChannel: e.INCIDENT_ANNOUNCE_CHANNEL,
    logLevel: e.LOG_LEVEL,
    timers: { tickSeconds: e.TIMER_TICK_SECONDS, leaseSeconds: e.TIMER_LEASE_SECONDS },
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
    },
    metrics: { cacheSeconds: e.METRICS_CACHE_SECONDS, token: e.METRICS_TOKEN },
    smtp:
      e.SMTP_URL && e.NOTICE_RECIPIENTS
        ? {
            url: e.SMTP_URL,
            recipients: e.NOTICE_RECIPIENTS.split(",").map((address) => address.trim()).filter(Boolean),
          }
        : undefined,
    alerts: {
      alertmanagerToken: e.ALERTS_ALERTMANAGER_TOKEN,
      grafanaToken: e.ALERTS_GRAFANA_TOKEN,
      genericToken: e.ALERTS_GENERIC_TOKEN,
      genericHmacSecret: e.ALERTS_GENERIC_HMAC_SECRET,
    },
    pagers: {
      pagerduty: {
        routingKey: e.PAGERDUTY_ROUTING_KEY,
        eventsUrl: e.PAGERDUTY_EVENTS_URL,
        webhookSecret: e.PAGERDUTY_WEBHOOK_SECRET,
      },
      opsgenie: { apiKey: e.OPSGENIE_API_KEY, apiUrl: e.OPSGENIE_API_URL, webhookToken: e.OPSGENIE_WEBHOOK_TOKEN },
    },
  };
}

function isUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

function withTrailingSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Settings whose values must never reach a log line. */
export const secretSettings = [
  "SLACK_BOT_TOKEN",
  "SLACK_SIGNING_SECRET",
  "SLACK_APP_TOKEN",
  "GITHUB_TOKEN",
  "GITHUB_WEBHOOK_SECRET",
  "DATABASE_URL",
  "SMTP_URL",
  "METRICS_TOKEN",
  "ALERTS_ALERTMANAGER_TOKEN",
  "ALERTS_GRAFANA_TOKEN",
  "ALERTS_GENERIC_TOKEN",
  "ALERTS_GENERIC_HMAC_SECRET",
  "PAGERDUTY_ROUTING_KEY",
  "PAGERDUTY_WEBHOOK_SECRET",
  "OPSGENIE_API_KEY",
  "OPSGENIE_WEBHOOK_TOKEN",
] as const;
