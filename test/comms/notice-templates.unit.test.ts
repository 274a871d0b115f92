import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  compileNoticeTemplate,
  loadNoticeTemplates,
  NoticeTemplateError,
  noticePhases,
  noticesDirFor,
} from "../../src/capabilities/notices/templates.ts";
import { noticeVariablesFor } from "../../src/capabilities/notices/variables.ts";
import { loadPlaybook } from "../../src/core/config/playbook.ts";
import { defaultPlaybookFile } from "../support/paths.ts";
import { thrownBy } from "../support/errors.ts";

const playbook = loadPlaybook(defaultPlaybookFile);
const templates = loadNoticeTemplates(noticesDirFor(defaultPlaybookFile));
const incident = {
  title: "Checkout API returning 500s",
  summary: "Some card payments fail with an error at checkout.",
  components: ["checkout", "API"],
  status: "identified",
  severity: "SEV2",
  declaredAt: new Date("2026-11-23T09:42:00Z"),
  resolvedAt: new Date("2026-11-23T11:05:00Z"),
  resolutionSummary: "A faulty deploy was rolled back.",
};

describe("the default notice templates", () => {
  it.each(noticePhases)("%s renders with every variable filled in", (phase) => {
    const variables = noticeVariablesFor(incident, playbook, {
      now: new Date("2026-11-23T10:00:00Z"),
      phase,
      lastPublicUpdate: "We have rolled back the deploy.",
    });
    const { subject, body } = templates[phase].render(variables);
    expect(subject).toMatch(/^\[Example Co\] .+: Checkout API returning 500s$/);
    expect(body).toContain("Checkout, API");
    expect(body).toContain("Monday 23 November 2026, 09:42 GMT");
    expect(body).toContain("support@example.com");
    expect(body).not.toMatch(/undefined|\{\{|\}\}/);
    expect(body).not.toMatch(/\n{3,}/);
  });

  it("apologises and promises the next update while the incident is open", () => {
    const { body } = templates.investigating.render(
      noticeVariablesFor(incident, playbook, { now: new Date("2026-11-23T10:00:00Z"), phase: "investigating" }),
    );
    expect(body).toContain("We are sorry");
    // SEV2 cadence is 30 minutes: the next update is promised for 10:30 London time.
    expect(body).toContain("by Monday 23 November 2026, 10:30 GMT");
  });
});

describe("template validation", () => {
  it("names the file and line of an unknown variable", () => {
    const source = "Subject: {{title}}\n\nHello,\n\n{{titel}} is down.\n";
    expect(() => compileNoticeTemplate("investigating", "notices/investigating.hbs", source)).toThrow(
      'notices/investigating.hbs:5: unknown variable "titel"',
    );
  });

  it("checks the subject line too", () => {
    expect(() => compileNoticeTemplate("resolved", "r.hbs", "Subject: {{nope}}\n\nBody\n")).toThrow('r.hbs:1: unknown variable "nope"');
  });

  it("requires the Subject line", () => {
    expect(() => compileNoticeTemplate("resolved", "r.hbs", "Hello {{title}}\n")).toThrow("r.hbs:1: the first line must be");
  });

  it("reports invalid Handlebars with its line", () => {
    expect(() => compileNoticeTemplate("resolved", "r.hbs", "Subject: x\n\nline\n{{#if title}}\n")).toThrow(/r\.hbs:\d+: not valid Handlebars/);
  });

  it("refuses to start with a missing or broken template, naming each file", () => {
    const dir = mkdtempSync(join(tmpdir(), "notices-"));
    for (const phase of noticePhases) {
      if (phase === "identified") continue;
      writeFileSync(join(dir, `${phase}.hbs`), readFileSync(join(noticesDirFor(defaultPlaybookFile), `${phase}.hbs`)));
    }
    writeFileSync(join(dir, "monitoring.hbs"), "Subject: {{title}}\n\n{{eta}}\n");
    const error = thrownBy(() => loadNoticeTemplates(dir));
    expect(error).toBeInstanceOf(NoticeTemplateError);
    const message = (error as Error).message;
    expect(message).toContain(`${join(dir, "identified.hbs")}: missing; every phase`);
    expect(message).toContain(`${join(dir, "monitoring.hbs")}:3: unknown variable "eta"`);
    // Only those two: the other phases' templates are fine.
    expect(message.split("\n").filter((line) => line.startsWith("  - "))).toHaveLength(2);
  });
});
