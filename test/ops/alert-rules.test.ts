import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

/**
 * deploy/prometheus/alerts.yml checked by Debian's promtool (`apt-get install
 * prometheus`; .ci/run installs it). A missing promtool fails these tests: the
 * rules would otherwise ship unchecked.
 */
const promtool = "/usr/bin/promtool";
const rulesDir = fileURLToPath(new URL("../../deploy/prometheus/", import.meta.url));

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

function run(args: string[], cwd: string) {
  expect(existsSync(promtool), `${promtool} is missing: apt-get install -y prometheus`).toBe(true);
  const result = spawnSync(promtool, args, { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("deploy/prometheus/alerts.yml", () => {
  it("passes promtool check rules", () => {
    const result = run(["check", "rules", "alerts.yml"], rulesDir);
    expect(result.output).toContain("SUCCESS: 7 rules found");
    expect(result.status).toBe(0);
  });

  it("passes its unit tests (alerts.test.yml): each alert fires on its synthetic series and stays quiet otherwise", () => {
    const result = run(["test", "rules", "alerts.test.yml"], rulesDir);
    expect(result.output).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });

  it("the unit tests catch a broken rule (an outbox threshold nobody would reach)", () => {
    scratch = mkdtempSync(join(tmpdir(), "alert-rules-"));
    copyFileSync(join(rulesDir, "alerts.test.yml"), join(scratch, "alerts.test.yml"));
    const rules = readFileSync(join(rulesDir, "alerts.yml"), "utf8");
    const broken = rules.replace(
      "max by (job, outbox) (incident_bot_outbox_oldest_age_seconds{job=\"incident-bot\"}) > 60",
      "max by (job, outbox) (incident_bot_outbox_oldest_age_seconds{job=\"incident-bot\"}) > 6000",
    );
    expect(broken).not.toBe(rules);
    writeFileSync(join(scratch, "alerts.yml"), broken);
    const result = run(["test", "rules", "alerts.test.yml"], scratch);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("IncidentBotOutboxStuck");
  });
});
