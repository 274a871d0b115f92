import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openGroupKind } from "../../src/capabilities/alerts/intake.ts";
import { type Database, openDatabase } from "../../src/core/db/database.ts";
import { completeDeclarationKind } from "../../src/domain/incidents/declaration.ts";
import { type SlackEmulator, startSlackEmulator } from "../../tools/emulators/slack/index.ts";
import { type BotProcess, killAll, spawnBot, waitUntilReady } from "../support/bot-process.ts";
import { dropSchema, freshSchemaName, onPostgres, postgresTarget } from "../support/database.ts";
import { defaultPlaybookFile } from "../support/paths.ts";
import { waitFor } from "../support/wait.ts";

/**
 * An alert storm reaching three replicas at once: three `npm start`
 * processes on one PostgreSQL schema, and the same Alertmanager
 * notifications (as a real Alertmanager sends them, one webhook per group,
 * repeated) posted to all three at the same moment. The partial unique index
 * on open groups and the group's row lock must make it one group and one
 * incident per group key, however the requests interleave. PGlite is one
 * connection inside one process, so only PostgreSQL can race like this.
 */

const replicaCount = 3;
const repeats = 3;
const alertmanagerToken = "replicas-alertmanager-token";

const groups = [
  { alertname: "HighErrorRate", service: "checkout", count: 90 },
  { alertname: "HighErrorRate", service: "search", count: 60 },
  { alertname: "DiskAlmostFull", service: "checkout", count: 50 },
];

/** One group's notification as Alertmanager 0.25 posts it (version 4), with every alert firing. */
function notification(group: (typeof groups)[number], groupIndex: number) {
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  const alerts = Array.from({ length: group.count }, (_, index) => ({
    status: "firing",
    labels: { alertname: group.alertname, service: group.service, route: "storm", instance: `${group.service}-${index}:9100` },
    annotations: { summary: `${group.alertname} on ${group.service}` },
    startsAt,
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus.internal:9090/graph",
    // 16 hex digits, as Alertmanager's; unique per group and alert.
    fingerprint: `${groupIndex.toString(16).padStart(4, "0")}${index.toString(16).padStart(12, "0")}`,
  }));
  return {
    receiver: "bot",
    status: "firing",
    alerts,
    groupLabels: { alertname: group.alertname, service: group.service },
    commonLabels: { alertname: group.alertname, service: group.service, route: "storm" },
    commonAnnotations: { summary: `${group.alertname} on ${group.service}` },
    externalURL: "http://alertmanager.internal:9093",
    version: "4",
    groupKey: `{}:{alertname="${group.alertname}", service="${group.service}"}`,
    truncatedAlerts: 0,
  };
}

/** The default playbook with one route that declares at once for every alert labelled route=storm. */
function writeStormPlaybook(directory: string): string {
  const book = parse(readFileSync(defaultPlaybookFile, "utf8")) as Record<string, unknown>;
  book.alerts = {
    routes: [{ name: "storm", match: { route: "storm" }, severity: "SEV3", action: "declare" }],
  };
  const file = join(directory, "playbook.yml");
  // The customer-notice templates are read from beside the playbook.
  cpSync(join(dirname(defaultPlaybookFile), "notices"), join(directory, "notices"), { recursive: true });
  // YAML is a superset of JSON.
  writeFileSync(file, JSON.stringify(book, null, 2));
  return file;
}

if (!onPostgres) {
  describe("an alert storm on several replicas at once", () => {
    it.skip("needs PostgreSQL (npm run test:postgres): PGlite is one connection in one process, so replicas cannot race", () => undefined);
  });
}

describe.runIf(onPostgres)("an alert storm on several replicas at once", () => {
  let emulator: SlackEmulator;
  let schema: string;
  let db: Database;
  let dataDir: string;
  let replicas: BotProcess[] = [];

  beforeEach(async () => {
    emulator = await startSlackEmulator();
    dataDir = mkdtempSync(join(tmpdir(), "alert-replicas-"));
    schema = freshSchemaName("alert_replicas");
    // Opening it once applies the migrations, so the replicas start on a ready schema.
    db = await openDatabase(postgresTarget(schema));
  });

  afterEach(async () => {
    await killAll(replicas);
    await db.close();
    await emulator.close();
    await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("opens exactly one group, one incident and one channel per group key", { timeout: 90_000 }, async () => {
    const playbookFile = writeStormPlaybook(dataDir);
    const url = (postgresTarget(schema) as { url: string }).url;
    replicas = await Promise.all(
      Array.from({ length: replicaCount }, () =>
        spawnBot({
          SLACK_BOT_TOKEN: "xoxb-alert-replicas",
          SLACK_SIGNING_SECRET: "alert-replicas-secret",
          SLACK_API_URL: emulator.apiUrl,
          PLAYBOOK_FILE: playbookFile,
          DATA_DIR: dataDir,
          DATABASE_URL: url,
          ALERTS_ALERTMANAGER_TOKEN: alertmanagerToken,
        }),
      ),
    );
    await Promise.all(replicas.map((replica) => waitUntilReady(replica.url)));

    const bodies = groups.map((group, index) => JSON.stringify(notification(group, index)));
    const posts = replicas.flatMap((replica) =>
      bodies.flatMap((body) =>
        Array.from({ length: repeats }, () =>
          fetch(`${replica.url}/alerts/alertmanager`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${alertmanagerToken}` },
            body,
          }),
        ),
      ),
    );
    const statuses = await Promise.all(posts.map(async (post) => (await post).status));
    expect(statuses).toEqual(posts.map(() => 202));

    const failures = () => replicas.flatMap((replica) => replica.logs.filter((entry) => (entry.level as number) >= 50));
    // Every replica runs timers on the real clock: wait until none of the storm's work is left.
    await waitFor(
      async () => ({
        active: await db.prisma.incident.count({ where: { phase: "active" } }),
        unfinished: await db.prisma.timer.count({
          where: { kind: { in: [openGroupKind, completeDeclarationKind] }, state: { in: ["pending", "running"] } },
        }),
      }),
      ({ active, unfinished }) => active >= groups.length && unfinished === 0,
      { what: `the storm's incidents declared (errors: ${JSON.stringify(failures())})`, timeoutMs: 45_000, intervalMs: 100 },
    );

    const alertGroups = await db.prisma.alertGroup.findMany();
    expect(alertGroups).toHaveLength(groups.length);
    expect(alertGroups.every((group) => group.notifications === replicaCount * repeats)).toBe(true);
    expect(alertGroups.map((group) => group.firingAlerts).sort((a, b) => a - b)).toEqual([50, 60, 90]);
    expect(await db.prisma.alertInstance.count()).toBe(200);

    const incidents = await db.prisma.incident.findMany();
    expect(incidents).toHaveLength(groups.length);
    expect(new Set(alertGroups.map((group) => group.incidentId))).toEqual(new Set(incidents.map((incident) => incident.id)));
    expect(new Set(incidents.map((incident) => incident.channelId)).size).toBe(groups.length);
    expect(emulator.world.channels().filter((channel) => channel.name.startsWith("inc-"))).toHaveLength(groups.length);
    expect(emulator.callsTo("conversations.create")).toHaveLength(groups.length);
    expect(failures()).toEqual([]);

    for (const replica of replicas) replica.child.kill("SIGTERM");
    for (const replica of replicas) expect((await replica.exited).code).toBe(0);
  });
});
