import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/core/config/env.ts";
import { thrownBy } from "../support/errors.ts";

/** The problems a ConfigError lists; fails the test when loadConfig does not throw one. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  const error = thrownBy(() => loadConfig(env));
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" });
    expect(config.slack.mode).toBe("http");
    expect(config.slack.apiUrl).toBe("https://slack.com/api/");
    expect(config.port).toBe(3000);
    expect(config.database).toEqual({ kind: "pglite", dataDir: "./data" });
    expect(config.playbookFile).toBe("./playbook.yml");
    expect(config.logLevel).toBe("info");
    expect(config.github.enabled).toBe(false);
  });

  it("switches to Socket Mode with an app token, and needs no signing secret then", () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1" });
    expect(config.slack.mode).toBe("socket");
  });

  it("names every problem in one error", () => {
    const error = thrownBy(() =>
      loadConfig({
        PORT: "http",
        DATABASE_URL: "mysql://x",
        SLACK_APP_TOKEN: "nope",
        LOG_LEVEL: "loud",
      }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ["PORT", "DATABASE_URL", "SLACK_APP_TOKEN", "LOG_LEVEL"]) {
      expect(message).toContain(name);
    }
  });

  it("reports missing tokens together", () => {
    expect(() => loadConfig({})).toThrow(/SLACK_BOT_TOKEN[\s\S]*SLACK_SIGNING_SECRET/);
  });

  it("reports format errors, missing settings and cross-field checks together", () => {
    const problems = problemsOf({
      // A format error, …
      PORT: "not-a-port",
      // … a missing required setting (SLACK_BOT_TOKEN; SLACK_SIGNING_SECRET too, in HTTP mode), …
      // … the SMTP pairing, …
      SMTP_URL: "smtp://u:p@mail.example.com:587",
      // … and the timeouts checked against each other.
      HTTP_HEADERS_TIMEOUT_SECONDS: "40",
      HTTP_REQUEST_TIMEOUT_SECONDS: "30",
    });
    expect(problems).toEqual([
      "PORT: must be a port number",
      "SLACK_BOT_TOKEN: required (the xoxb- token from OAuth & Permissions)",
      expect.stringMatching(/^SLACK_SIGNING_SECRET: required in HTTP mode/),
      "SMTP_URL and NOTICE_RECIPIENTS: set both to send approved notices by mail, or neither",
      expect.stringMatching(/^HTTP_HEADERS_TIMEOUT_SECONDS: must not exceed HTTP_REQUEST_TIMEOUT_SECONDS/),
    ]);
  });

  it("counts a malformed token as given: one problem for it, not also 'required'", () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: "xoxp-1", SLACK_APP_TOKEN: "nope" })).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN: must be a bot token/),
      expect.stringMatching(/^SLACK_APP_TOKEN: must be an app-level token/),
    ]);
  });

  it("never puts a secret value in the error", () => {
    const env = {
      SLACK_BOT_TOKEN: "xoxp-user-secret-value",
      SLACK_SIGNING_SECRET: "s",
      DATABASE_URL: "postgresql://u:db-secret-password@db:99999/x",
      SMTP_URL: "mail://u:smtp-secret-password@host",
    };
    const load = () => loadConfig(env);
    expect(load).toThrow(ConfigError);
    // The rejected settings are named …
    expect(load).toThrow(/SLACK_BOT_TOKEN: must be a bot token/);
    expect(load).toThrow(/DATABASE_URL: is not a valid URL/);
    expect(load).toThrow(/SMTP_URL: must look like smtp:/);
    // … but their values are not quoted.
    for (const secret of ["user-secret-value", "db-secret-password", "smtp-secret-password"]) {
      expect(load).toThrow(expect.objectContaining({ message: expect.not.stringContaining(secret) }));
    }
  });

  it("turns GitHub on only when token and repository are both set", () => {
    const on = loadConfig({
      SLACK_BOT_TOKEN: "xoxb-1",
      SLACK_SIGNING_SECRET: "s",
      GITHUB_TOKEN: "ghp_x",
      GITHUB_REPOSITORY: "acme/ops",
    });
    expect(on.github).toMatchObject({
      enabled: true,
      repository: "acme/ops",
      apiUrl: "https://api.github.com",
    });
    const off = loadConfig({
      SLACK_BOT_TOKEN: "xoxb-1",
      SLACK_SIGNING_SECRET: "s",
      GITHUB_TOKEN: "ghp_x",
    });
    expect(off.github).toEqual({ enabled: false, missing: ["GITHUB_REPOSITORY"] });
  });
});

describe("SMTP settings", () => {
  it("are on only with both SMTP_URL and NOTICE_RECIPIENTS", () => {
    const base = { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" };
    expect(loadConfig(base).smtp).toBeUndefined();
    expect(
      loadConfig({ ...base, SMTP_URL: "smtp://u:p@mail.example.com:587", NOTICE_RECIPIENTS: "a@x.com, b@x.com" }).smtp,
    ).toEqual({ url: "smtp://u:p@mail.example.com:587", recipients: ["a@x.com", "b@x.com"] });
    expect(() => loadConfig({ ...base, SMTP_URL: "smtp://mail.example.com" })).toThrow(/set both/);
    expect(() => loadConfig({ ...base, SMTP_URL: "mail.example.com", NOTICE_RECIPIENTS: "a@x.com" })).toThrow(/SMTP_URL/);
  });
});

describe("HTTP server settings", () => {
  const base = { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" };

  it("default to 10 s for headers, 30 s per request and 500 connections", () => {
    expect(loadConfig(base).http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 500 });
  });

  it("refuse a headers timeout longer than the request timeout", () => {
    expect(() =>
      loadConfig({ ...base, HTTP_HEADERS_TIMEOUT_SECONDS: "40", HTTP_REQUEST_TIMEOUT_SECONDS: "30" }),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_SECONDS/);
    expect(() => loadConfig({ ...base, HTTP_MAX_CONNECTIONS: "lots" })).toThrow(/HTTP_MAX_CONNECTIONS/);
  });
});
