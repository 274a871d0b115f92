import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type AlertBatch,
  type AlertSource,
  maxAlertsPerBatch,
  maxTextBytes,
  maxTitleLength,
  parseAlertBatch,
  parseAlertmanagerWebhook,
  parseGenericWebhook,
  parseGrafanaWebhook,
} from "../../src/capabilities/alerts/sources/index.ts";
import type { Result } from "../../src/core/result.ts";

/**
 * The three parsers against payloads as the senders send them:
 * alertmanager-*.json were captured from Debian's prometheus-alertmanager
 * 0.25 (the harness in test/support/alertmanager.ts); grafana-*.json follow
 * Grafana's documented webhook contact point payload; generic-*.json are
 * the shape docs/ALERTS.md documents.
 */
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8")) as Record<string, unknown>;
}

function accepted(result: Result<AlertBatch>): AlertBatch {
  if (!result.ok) throw new Error(`expected the payload to be accepted, got: ${result.error}`);
  return result.value;
}

function refused(result: Result<AlertBatch>): string {
  if (result.ok) throw new Error(`expected the payload to be refused, got a batch titled "${result.value.title}"`);
  return result.error;
}

function alertsOf(payload: Record<string, unknown>): Record<string, unknown>[] {
  return payload.alerts as Record<string, unknown>[];
}

describe("Alertmanager's webhook (version 4)", () => {
  it("normalizes a firing group as Alertmanager sent it", () => {
    const payload = fixture("alertmanager-firing");
    const batch = accepted(parseAlertmanagerWebhook(payload));
    expect(batch.source).toBe("alertmanager");
    expect(batch.status).toBe("firing");
    expect(batch.groupKey).toBe(payload.groupKey);
    expect(batch.groupLabels).toEqual({ alertname: "HighErrorRate", service: "checkout" });
    expect(batch.commonLabels).toEqual(payload.commonLabels);
    expect(batch.commonAnnotations.summary).toBe("Checkout is failing more than 5% of requests");
    expect(batch.title).toBe("Checkout is failing more than 5% of requests");
    expect(batch.alerts).toHaveLength(3);
    const [first] = batch.alerts;
    const sent = alertsOf(payload)[0]!;
    expect(first).toEqual({
      fingerprint: sent.fingerprint,
      status: "firing",
      labels: sent.labels,
      annotations: sent.annotations,
      startsAt: new Date(sent.startsAt as string),
      endsAt: null,
      generatorUrl: sent.generatorURL,
    });
  });

  it("reads a resolved group: status resolved and real end times", () => {
    const payload = fixture("alertmanager-resolved");
    const batch = accepted(parseAlertmanagerWebhook(payload));
    expect(batch.status).toBe("resolved");
    expect(batch.groupKey).toBe(fixture("alertmanager-firing").groupKey);
    for (const [index, alert] of batch.alerts.entries()) {
      expect(alert.status).toBe("resolved");
      expect(alert.endsAt).toEqual(new Date(alertsOf(payload)[index]!.endsAt as string));
    }
  });

  it("reads Go's nanosecond timestamps with an offset, to the millisecond", () => {
    const payload = fixture("alertmanager-firing");
    alertsOf(payload)[0]!.startsAt = "2026-03-02T09:51:03.157076543+01:00";
    const batch = accepted(parseAlertmanagerWebhook(payload));
    expect(batch.alerts[0]!.startsAt?.toISOString()).toBe("2026-03-02T08:51:03.157Z");
  });

  it("tolerates fields it does not know, and the nil maps Go encodes as null", () => {
    const payload = { ...fixture("alertmanager-firing"), someFutureField: { nested: true }, commonAnnotations: null };
    alertsOf(payload)[1]!.annotations = null;
    alertsOf(payload)[1]!.extra = [1, 2, 3];
    const batch = accepted(parseAlertmanagerWebhook(payload));
    expect(batch.commonAnnotations).toEqual({});
    expect(batch.alerts[1]!.annotations).toEqual({});
    // Without a summary, the title is the alert name and the other group labels.
    expect(batch.title).toBe("HighErrorRate (service=checkout)");
  });

  it("keeps only http(s) links, so a link can never cost the alerts", () => {
    const payload = fixture("alertmanager-firing");
    alertsOf(payload)[0]!.generatorURL = "javascript:alert(1)";
    alertsOf(payload)[1]!.generatorURL = "";
    payload.externalURL = "http://alertmanager.internal:9093";
    const batch = accepted(parseAlertmanagerWebhook(payload));
    expect(batch.alerts[0]!.generatorUrl).toBeNull();
    expect(batch.alerts[1]!.generatorUrl).toBeNull();
    expect(batch.externalUrl).toBe("http://alertmanager.internal:9093/");
  });

  it("refuses another payload version, naming the version it reads", () => {
    const error = refused(parseAlertmanagerWebhook({ ...fixture("alertmanager-firing"), version: "3" }));
    expect(error).toMatch(/^version: expected "4"/);
  });

  it("refuses a wrong type with the path to it", () => {
    const payload = fixture("alertmanager-firing");
    (alertsOf(payload)[2]!.labels as Record<string, unknown>).severity = 3;
    expect(refused(parseAlertmanagerWebhook(payload))).toBe("alerts[2].labels.severity: expected a string");
  });

  it("refuses missing required fields, naming each", () => {
    const payload = fixture("alertmanager-firing");
    delete payload.groupKey;
    delete alertsOf(payload)[0]!.fingerprint;
    delete alertsOf(payload)[1]!.status;
    const error = refused(parseAlertmanagerWebhook(payload));
    expect(error).toContain("groupKey: required, expected a string");
    expect(error).toContain("alerts[0].fingerprint: required, expected a string");
    expect(error).toContain('alerts[1].status: required, expected "firing" or "resolved"');
  });

  it("refuses a status it does not know, and a timestamp that is not RFC 3339", () => {
    const payload = fixture("alertmanager-firing");
    alertsOf(payload)[0]!.status = "pending";
    alertsOf(payload)[1]!.startsAt = "yesterday";
    alertsOf(payload)[2]!.startsAt = "2026-02-30T10:00:00Z";
    const error = refused(parseAlertmanagerWebhook(payload));
    expect(error).toContain('alerts[0].status: expected "firing" or "resolved"');
    expect(error).toContain("alerts[1].startsAt: expected an RFC 3339 time");
    expect(error).toContain("alerts[2].startsAt: expected an RFC 3339 time");
  });

  it(`accepts ${maxAlertsPerBatch} alerts and refuses one more`, () => {
    const payload = fixture("alertmanager-firing");
    const template = alertsOf(payload)[0]!;
    const alerts = Array.from({ length: maxAlertsPerBatch }, (_, index) => ({
      ...template,
      labels: { ...(template.labels as object), instance: `checkout-${index}` },
      fingerprint: index.toString(16).padStart(16, "0"),
    }));
    expect(accepted(parseAlertmanagerWebhook({ ...payload, alerts })).alerts).toHaveLength(maxAlertsPerBatch);
    const error = refused(parseAlertmanagerWebhook({ ...payload, alerts: [...alerts, template] }));
    expect(error).toBe(
      `alerts: expected at most ${maxAlertsPerBatch} alerts; configure the sender to send fewer per request (Alertmanager: max_alerts)`,
    );
  });

  it("refuses an empty alert list", () => {
    expect(refused(parseAlertmanagerWebhook({ ...fixture("alertmanager-firing"), alerts: [] }))).toBe(
      "alerts: expected at least 1 alert",
    );
  });

  it("accepts label and annotation values of exactly 4 KiB, and refuses one byte more", () => {
    const payload = fixture("alertmanager-firing");
    // "é" is two bytes in UTF-8: the limit is on bytes, not characters.
    const atLimit = "é".repeat(maxTextBytes / 2);
    (alertsOf(payload)[0]!.labels as Record<string, string>).detail = atLimit;
    (alertsOf(payload)[1]!.annotations as Record<string, string>).description = atLimit;
    accepted(parseAlertmanagerWebhook(payload));
    (alertsOf(payload)[0]!.labels as Record<string, string>).detail = `${atLimit}x`;
    (payload.commonAnnotations as Record<string, string>).description = `x${atLimit}`;
    const error = refused(parseAlertmanagerWebhook(payload));
    expect(error).toContain("alerts[0].labels.detail: expected at most 4096 bytes (4 KiB)");
    expect(error).toContain("commonAnnotations.description: expected at most 4096 bytes (4 KiB)");
  });

  it("names at most five problems, so a payload of bad alerts gets a short answer", () => {
    const payload = fixture("alertmanager-firing");
    const alerts = Array.from({ length: 40 }, () => ({ ...alertsOf(payload)[0]!, labels: "not a map" }));
    const error = refused(parseAlertmanagerWebhook({ ...payload, alerts }));
    expect(error.split("; ")).toHaveLength(6);
    expect(error).toMatch(/^alerts\[0\]\.labels: expected an object; /);
    expect(error).toMatch(/; and 35 more problems$/);
  });

  it.each([
    ["null", null],
    ["an array", [1, 2]],
    ["a string", "alerts"],
    ["a number", 4],
  ])("refuses %s as the body, without throwing", (_name, body) => {
    expect(refused(parseAlertmanagerWebhook(body))).toBe("(top level): expected an object");
  });
});

describe("Grafana alerting's webhook (unified alerting, version 1)", () => {
  it("normalizes a firing group, ignoring Grafana's rendering fields", () => {
    const payload = fixture("grafana-firing");
    const batch = accepted(parseGrafanaWebhook(payload));
    expect(batch.source).toBe("grafana");
    expect(batch.status).toBe("firing");
    expect(batch.groupKey).toBe(payload.groupKey);
    expect(batch.groupLabels).toEqual({ alertname: "Redis memory high", grafana_folder: "Platform" });
    expect(batch.externalUrl).toBe("https://grafana.example.com/");
    expect(batch.title).toBe("Redis memory above 95% in eu-west-1");
    expect(batch.alerts.map((alert) => alert.fingerprint)).toEqual(["6a5c3f2e9d7b1e04", "0b9e44d1c3a8f572"]);
    expect(batch.alerts[0]!.startsAt?.toISOString()).toBe("2026-03-02T08:51:03.157Z");
    expect(batch.alerts[0]!.endsAt).toBeNull();
    expect(batch.alerts[0]!.generatorUrl).toBe("https://grafana.example.com/alerting/grafana/bdf9qk2/view?orgId=1");
    expect(Object.keys(batch.alerts[0]!)).toEqual([
      "fingerprint",
      "status",
      "labels",
      "annotations",
      "startsAt",
      "endsAt",
      "generatorUrl",
    ]);
  });

  it("reads a resolved group", () => {
    const batch = accepted(parseGrafanaWebhook(fixture("grafana-resolved")));
    expect(batch.status).toBe("resolved");
    expect(batch.alerts[0]!.status).toBe("resolved");
    expect(batch.alerts[0]!.endsAt?.toISOString()).toBe("2026-03-02T09:14:03.157Z");
  });

  it("refuses legacy dashboard alerting's payload, which has no version", () => {
    const legacy = {
      dashboardId: 1,
      evalMatches: [{ value: 100, metric: "High value", tags: null }],
      message: "Someone is testing the alert notification within Grafana.",
      orgId: 0,
      panelId: 1,
      ruleId: 0,
      ruleName: "Test notification",
      ruleUrl: "https://grafana.example.com/",
      state: "alerting",
      title: "[Alerting] Test notification",
    };
    const error = refused(parseGrafanaWebhook(legacy));
    expect(error).toMatch(/^version: expected "1"/);
    expect(error).toContain("alerts: required, expected an array");
  });

  it("refuses an Alertmanager payload sent to the Grafana endpoint", () => {
    expect(refused(parseGrafanaWebhook(fixture("alertmanager-firing")))).toMatch(/^version: expected "1"/);
  });

  it("refuses a wrong type with the path to it", () => {
    const payload = fixture("grafana-firing");
    (alertsOf(payload)[1]!.annotations as Record<string, unknown>).summary = { text: "nested" };
    expect(refused(parseGrafanaWebhook(payload))).toBe("alerts[1].annotations.summary: expected a string");
  });
});

describe("the generic webhook", () => {
  it("takes one alert, grouped by its alertname, with a fingerprint hashed from its labels", () => {
    const batch = accepted(parseGenericWebhook(fixture("generic-single")));
    expect(batch.source).toBe("generic");
    expect(batch.status).toBe("firing");
    expect(batch.groupLabels).toEqual({ alertname: "NightlyBackupMissing" });
    expect(batch.commonLabels).toEqual({ alertname: "NightlyBackupMissing", service: "postgres", severity: "warning" });
    expect(batch.title).toBe("No PostgreSQL backup uploaded in the last 26 hours");
    expect(batch.externalUrl).toBeNull();
    expect(batch.alerts).toHaveLength(1);
    expect(batch.alerts[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(batch.alerts[0]!.startsAt?.toISOString()).toBe("2026-03-02T04:00:00.000Z");
    expect(batch.alerts[0]!.generatorUrl).toBe("https://ci.example.com/jobs/nightly-backup/1432");
    expect(batch.groupKey).toMatch(/^[0-9a-f]{16}$/);
  });

  it("hashes labels in any order to the same fingerprint and group, and different labels apart", () => {
    const one = accepted(parseGenericWebhook({ status: "firing", labels: { alertname: "A", region: "eu", service: "api" } }));
    const reordered = accepted(parseGenericWebhook({ status: "resolved", labels: { service: "api", region: "eu", alertname: "A" } }));
    const other = accepted(parseGenericWebhook({ status: "firing", labels: { alertname: "A", region: "us", service: "api" } }));
    const otherName = accepted(parseGenericWebhook({ status: "firing", labels: { alertname: "B", region: "eu", service: "api" } }));
    expect(reordered.alerts[0]!.fingerprint).toBe(one.alerts[0]!.fingerprint);
    expect(other.alerts[0]!.fingerprint).not.toBe(one.alerts[0]!.fingerprint);
    // Grouped by alertname, like Alertmanager's default: one incident for every region.
    expect(other.groupKey).toBe(one.groupKey);
    expect(reordered.groupKey).toBe(one.groupKey);
    expect(otherName.groupKey).not.toBe(one.groupKey);
  });

  it("groups alerts without an alertname by the labels they share", () => {
    const batch = accepted(
      parseGenericWebhook({
        alerts: [
          { status: "firing", labels: { service: "api", check: "tls-expiry" } },
          { status: "firing", labels: { service: "api", check: "dns" } },
        ],
      }),
    );
    expect(batch.groupLabels).toEqual({ service: "api" });
    expect(batch.title).toBe("Monitoring alert (service=api)");
  });

  it("takes several alerts with a group_key, title and fingerprints of their own", () => {
    const payload = fixture("generic-batch");
    const batch = accepted(parseGenericWebhook(payload));
    expect(batch.groupKey).toBe("synthetic-probes/checkout");
    expect(batch.title).toBe("Checkout probes failing from 2 regions");
    // Firing while any alert fires.
    expect(batch.status).toBe("firing");
    expect(batch.alerts.map((alert) => alert.status)).toEqual(["firing", "firing", "resolved"]);
    expect(batch.alerts[0]!.fingerprint).toBe("probe-checkout-eu-west-1");
    expect(batch.alerts[1]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(batch.alerts[0]!.startsAt?.toISOString()).toBe("2026-03-02T08:58:12.000Z");
    expect(batch.alerts[2]!.endsAt?.toISOString()).toBe("2026-03-02T08:55:00.000Z");
    expect(batch.commonLabels).toEqual({ alertname: "ProbeFailed", service: "checkout" });
    expect(batch.commonAnnotations).toEqual({ summary: "Checkout probe failed" });
  });

  it("is resolved when every alert is", () => {
    const batch = accepted(
      parseGenericWebhook({
        group_key: "g",
        alerts: [
          { status: "resolved", labels: { alertname: "A" } },
          { status: "resolved", labels: { alertname: "B" } },
        ],
      }),
    );
    expect(batch.status).toBe("resolved");
    expect(batch.groupKey).toBe("g");
  });

  it("asks for a group_key when the alerts share no label", () => {
    const body = {
      alerts: [
        { status: "firing", labels: { alertname: "A" } },
        { status: "firing", labels: { alertname: "B" } },
      ],
    };
    expect(refused(parseGenericWebhook(body))).toBe(
      "group_key: required when the alerts share no label; send a group_key, or send alerts that share an alertname",
    );
    expect(accepted(parseGenericWebhook({ ...body, group_key: "deploys" })).groupKey).toBe("deploys");
  });

  it("refuses what its documentation rules out, naming each path", () => {
    expect(refused(parseGenericWebhook({ labels: { alertname: "A" } }))).toBe(
      'status: required, expected "firing" or "resolved"',
    );
    expect(refused(parseGenericWebhook({ status: "firing", labels: {} }))).toBe(
      'labels: expected at least one label, such as { "alertname": "DiskFull" }',
    );
    expect(refused(parseGenericWebhook({ status: "firing", labels: { alertname: "A" }, url: "ftp://example.com/x" }))).toBe(
      "url: expected an http or https URL",
    );
    expect(refused(parseGenericWebhook({ status: "firing", labels: { alertname: "A" }, starts_at: "2026-03-02 10:00" }))).toBe(
      "starts_at: expected an RFC 3339 time such as 2026-01-05T09:00:00Z",
    );
    expect(refused(parseGenericWebhook({ alerts: [{ status: "firing", labels: { alertname: 7 } }] }))).toBe(
      "alerts[0].labels.alertname: expected a string",
    );
    expect(refused(parseGenericWebhook({ alerts: "many" }))).toBe("alerts: expected an array");
    expect(refused(parseGenericWebhook({ status: "firing", labels: { alertname: "A" }, group_key: "" }))).toBe(
      "group_key: expected a non-empty string",
    );
  });

  it(`refuses more than ${maxAlertsPerBatch} alerts`, () => {
    const alerts = Array.from({ length: maxAlertsPerBatch + 1 }, (_, index) => ({
      status: "firing",
      labels: { alertname: "Flood", index: String(index) },
    }));
    expect(refused(parseGenericWebhook({ alerts }))).toMatch(/^alerts: expected at most 1000 alerts/);
  });

  it("refuses NUL in a label, which PostgreSQL cannot store", () => {
    expect(refused(parseGenericWebhook({ status: "firing", labels: { alertname: "A\u0000B" } }))).toBe(
      "labels.alertname: must not contain a NUL character",
    );
  });

  it("shortens a huge label name in the message", () => {
    const error = refused(parseGenericWebhook({ status: "firing", labels: { ["n".repeat(5000)]: "x" } }));
    expect(error.length).toBeLessThan(200);
    expect(error).toMatch(/^labels\.n+…: invalid name: expected at most 4096 bytes/);
  });
});

describe("the title", () => {
  it(`is one line of plain text, at most ${maxTitleLength} characters`, () => {
    const batch = accepted(
      parseGenericWebhook({
        status: "firing",
        labels: { alertname: "A" },
        annotations: { summary: `Line one\nline\ttwo\u0007 ${"word ".repeat(100)}` },
      }),
    );
    expect(batch.title.startsWith("Line one line two word word")).toBe(true);
    expect(Array.from(batch.title)).toHaveLength(maxTitleLength);
    expect(batch.title.endsWith("…")).toBe(true);
    for (const character of ["\n", "\t", "\u0007"]) expect(batch.title).not.toContain(character);
  });

  it("prefers the generic title, then the summary, then the alert name and group labels", () => {
    const labels = { alertname: "QueueBacklog", service: "billing" };
    expect(accepted(parseGenericWebhook({ status: "firing", labels, title: "Billing queue", annotations: { summary: "S" } })).title).toBe(
      "Billing queue",
    );
    expect(accepted(parseGenericWebhook({ status: "firing", labels, annotations: { summary: "  " } })).title).toBe("QueueBacklog");
    const payload = fixture("grafana-firing");
    payload.commonAnnotations = {};
    expect(accepted(parseGrafanaWebhook(payload)).title).toBe("Redis memory high (grafana_folder=Platform)");
  });

  it("does not escape: it is plain text, and the renderer escapes for Slack", () => {
    const batch = accepted(
      parseGenericWebhook({ status: "firing", labels: { alertname: "A" }, annotations: { summary: "<!channel> & <b>" } }),
    );
    expect(batch.title).toBe("<!channel> & <b>");
  });
});

describe("parseAlertBatch", () => {
  it.each<[AlertSource, string]>([
    ["alertmanager", "alertmanager-firing"],
    ["grafana", "grafana-firing"],
    ["generic", "generic-batch"],
  ])("routes %s to its parser", (source, name) => {
    expect(accepted(parseAlertBatch(source, fixture(name))).source).toBe(source);
  });
});
