import { spawnSync } from "node:child_process";
import { inspect } from "node:util";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/core/config/env.ts";
import { redactSecrets } from "../../src/core/config/redact.ts";
import { openDatabase } from "../../src/core/db/database.ts";
import { thrownBy } from "../support/errors.ts";

/**
 * Secrets never reach a log line or an error, not even when startup fails on
 * the very setting that holds them.
 */

const password = "hunter2-Very-Secret";
const malformedUrls = [
  `postgresql://alice:${password}@[not-a-host/incidents`,
  `postgresql://alice:${password}@db.example.com:99999/incidents`,
  `postgresql://alice:${password}@db example.com/incidents`,
];
const startScript = fileURLToPath(new URL("../../src/cli/start.ts", import.meta.url));

function startWith(env: Record<string, string>) {
  return spawnSync(process.execPath, ["--import", "tsx", startScript], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "info", PORT: "0", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe("a malformed DATABASE_URL", () => {
  it.each(malformedUrls)("is refused by the settings check without its password: %s", (url) => {
    const error = thrownBy(() => loadConfig({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s", DATABASE_URL: url }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("DATABASE_URL");
    expect(inspect(error)).not.toContain(password);
  });

  it.each(malformedUrls)("is refused by openDatabase without its password: %s", async (url) => {
    const error = await openDatabase({ kind: "postgres", url }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("DATABASE_URL");
    expect(inspect(error)).not.toContain(password);
  });

  it("stops `npm start` with exit 1, and stderr and stdout never show the password", () => {
    for (const url of [...malformedUrls, `postgresql://alice:${password}@127.0.0.1:1/incidents`]) {
      const result = startWith({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s", DATABASE_URL: url });
      expect(result.status).toBe(1);
      if (!url.includes("127.0.0.1:1/")) expect(result.stderr).toContain("DATABASE_URL");
      expect(result.stderr).not.toContain(password);
      expect(result.stdout).not.toContain(password);
    }
  });

  it("a percent-encoded password is hidden in both spellings", () => {
    const encoded = "p%40ss%3Aword-123";
    const result = startWith({
      SLACK_BOT_TOKEN: "xoxb-1",
      SLACK_SIGNING_SECRET: "s",
      DATABASE_URL: `postgresql://alice:${encoded}@127.0.0.1:1/incidents`,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).not.toContain(encoded);
    expect(result.stderr).not.toContain("p@ss:word-123");
  });
});

describe("redactSecrets", () => {
  it("hides every secret setting's value and URL passwords, raw and decoded", () => {
    const env = {
      SLACK_BOT_TOKEN: "xoxb-123-abc",
      GITHUB_TOKEN: "ghp_secretvalue",
      SMTP_URL: "smtp://mailer:m%40il-pass@mail.example.com:587",
      DATABASE_URL: `postgresql://alice:${password}@[broken`,
      PORT: "3000",
    };
    const text = `token xoxb-123-abc and ghp_secretvalue, smtp pass m@il-pass / m%40il-pass, db ${env.DATABASE_URL} and ${password}; port 3000`;
    const redacted = redactSecrets(text, env);
    for (const secret of ["xoxb-123-abc", "ghp_secretvalue", "m@il-pass", "m%40il-pass", password]) {
      expect(redacted).not.toContain(secret);
    }
    expect(redacted).toContain("port 3000");
  });
});
