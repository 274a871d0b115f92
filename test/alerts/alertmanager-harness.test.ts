import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateAlertRequest } from "../../src/capabilities/alerts/authentication.ts";
import { type AlertBatch, parseAlertmanagerWebhook } from "../../src/capabilities/alerts/sources/index.ts";
import { findAlertmanager, type PostableAlert, type RunningAlertmanager, startAlertmanager } from "../support/alertmanager.ts";
import { waitFor } from "../support/wait.ts";

/**
 * A real Prometheus Alertmanager (Debian's package) sending its webhooks to a
 * small receiver here, which authenticates each request with
 * authenticateAlertRequest and parses it with parseAlertmanagerWebhook, as
 * the bot's POST /alerts/alertmanager does. It shows that what Alertmanager
 * really sends (version 4, its groupKeys, its timestamps) is accepted, that
 * 200 alerts across 3 alertname/service groups arrive as 3 groups, and that
 * resolving them arrives as resolved batches.
 */
const found = findAlertmanager();
const bearerToken = "alertmanager-harness-token";

interface Delivery {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let receiver: Server;
const deliveries: Delivery[] = [];
let alertmanager: RunningAlertmanager | undefined;

const groups = [
  { alertname: "HighErrorRate", service: "checkout", count: 90 },
  { alertname: "HighErrorRate", service: "search", count: 60 },
  { alertname: "DiskAlmostFull", service: "checkout", count: 50 },
];
const alerts: PostableAlert[] = groups.flatMap((group) =>
  Array.from({ length: group.count }, (_, index) => ({
    labels: {
      alertname: group.alertname,
      service: group.service,
      instance: `${group.service}-${index}.internal:9100`,
      severity: index % 2 === 0 ? "critical" : "warning",
    },
    annotations: { summary: `${group.alertname} on ${group.service}`, description: `instance ${index}` },
    generatorURL: `http://prometheus.internal:9090/graph?g0.expr=up%7Bservice%3D%22${group.service}%22%7D`,
  })),
);

function parsedBatches(): AlertBatch[] {
  return deliveries.map((delivery) => {
    const parsed = parseAlertmanagerWebhook(JSON.parse(delivery.body.toString("utf8")));
    if (!parsed.ok) throw new Error(`the parser refused what Alertmanager sent: ${parsed.error}`);
    return parsed.value;
  });
}

/** Each alert's last reported status, by groupKey and fingerprint. */
function latestStatuses(batches: AlertBatch[]): Map<string, Map<string, string>> {
  const byGroup = new Map<string, Map<string, string>>();
  for (const batch of batches) {
    const statuses = byGroup.get(batch.groupKey) ?? new Map<string, string>();
    for (const alert of batch.alerts) statuses.set(alert.fingerprint, alert.status);
    byGroup.set(batch.groupKey, statuses);
  }
  return byGroup;
}

describe.skipIf("unavailable" in found)(`a real Alertmanager delivering webhooks${"unavailable" in found ? ` (skipped: ${found.unavailable})` : ""}`, () => {
  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = Buffer.concat(chunks);
        const verdict = authenticateAlertRequest("alertmanager", request.headers, body, {
          alertmanagerToken: bearerToken,
        });
        if (verdict !== "ok") {
          response.writeHead(verdict.status).end(verdict.message);
          return;
        }
        deliveries.push({ headers: request.headers, body });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const { port } = receiver.address() as AddressInfo;
    alertmanager = await startAlertmanager({
      webhookUrl: `http://127.0.0.1:${port}/alerts/alertmanager`,
      bearerToken,
      groupBy: ["alertname", "service"],
      groupWait: "1s",
      groupInterval: "1s",
      repeatInterval: "1h",
    });
  }, 60_000);

  afterAll(async () => {
    await alertmanager?.close();
    if (receiver) await new Promise((resolve) => receiver.close(resolve));
  });

  it("delivers 200 firing alerts as 3 version-4 groups the parser accepts, then resolves them", { timeout: 60_000 }, async () => {
    await alertmanager!.pushAlerts(alerts);

    const firing = await waitFor(
      () => latestStatuses(parsedBatches()),
      (byGroup) => [...byGroup.values()].reduce((sum, statuses) => sum + statuses.size, 0) === alerts.length,
      { what: `all ${alerts.length} alerts delivered (Alertmanager log: ${alertmanager!.log()})`, timeoutMs: 30_000, intervalMs: 100 },
    );
    // Grouped by alertname and service: 3 groupKeys, however many deliveries carried them.
    expect(firing.size).toBe(3);
    expect([...firing.values()].map((statuses) => statuses.size).sort((a, b) => a - b)).toEqual([50, 60, 90]);
    const firingBatches = parsedBatches();
    for (const batch of firingBatches) {
      expect(batch.status).toBe("firing");
      expect(batch.source).toBe("alertmanager");
      expect(Object.keys(batch.groupLabels).sort()).toEqual(["alertname", "service"]);
      expect(batch.title).toBe(`${batch.groupLabels.alertname} on ${batch.groupLabels.service}`);
      for (const alert of batch.alerts) {
        expect(alert.status).toBe("firing");
        expect(alert.labels.service).toBe(batch.groupLabels.service);
        expect(alert.fingerprint).toMatch(/^[0-9a-f]{16}$/);
        expect(alert.startsAt).toBeInstanceOf(Date);
        // Go's zero time while firing: read as "no end yet".
        expect(alert.endsAt).toBeNull();
        expect(alert.generatorUrl).toMatch(/^http:\/\/prometheus\.internal:9090\/graph\?/);
      }
    }
    for (const delivery of deliveries) {
      expect(JSON.parse(delivery.body.toString("utf8")).version).toBe("4");
      expect(delivery.headers.authorization).toBe(`Bearer ${bearerToken}`);
    }

    const firingDeliveries = deliveries.length;
    await alertmanager!.resolveAlerts(alerts);
    const resolved = await waitFor(
      () => latestStatuses(parsedBatches()),
      (byGroup) => [...byGroup.values()].every((statuses) => [...statuses.values()].every((status) => status === "resolved")),
      { what: `all alerts reported resolved (Alertmanager log: ${alertmanager!.log()})`, timeoutMs: 30_000, intervalMs: 100 },
    );
    expect([...resolved.keys()].sort()).toEqual([...firing.keys()].sort());
    const resolvedBatches = parsedBatches().slice(firingDeliveries);
    const resolvedGroups = new Set(resolvedBatches.filter((batch) => batch.status === "resolved").map((batch) => batch.groupKey));
    expect(resolvedGroups).toEqual(new Set(firing.keys()));
    for (const batch of resolvedBatches.filter((batch) => batch.status === "resolved")) {
      for (const alert of batch.alerts) {
        expect(alert.status).toBe("resolved");
        expect(alert.endsAt).toBeInstanceOf(Date);
        expect(alert.endsAt!.getTime()).toBeLessThanOrEqual(Date.now());
      }
    }
  });

  it("has its webhook refused with 401 when the token is wrong, and nothing is recorded", { timeout: 30_000 }, async () => {
    const { port } = receiver.address() as AddressInfo;
    const wrong = await startAlertmanager({
      webhookUrl: `http://127.0.0.1:${port}/alerts/alertmanager`,
      bearerToken: "not-the-token",
      groupBy: ["alertname"],
    });
    try {
      const before = deliveries.length;
      await wrong.pushAlerts([{ labels: { alertname: "WrongToken", service: "checkout" } }]);
      // Alertmanager logs each failed notification ("Notify for alerts failed" with the status code).
      await waitFor(() => wrong.log(), (log) => /401/.test(log), { what: "Alertmanager to log the 401", timeoutMs: 20_000, intervalMs: 100 });
      expect(deliveries.length).toBe(before);
    } finally {
      await wrong.close();
    }
  });
});
