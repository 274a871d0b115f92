import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../src/core/db/database.ts";
import { type SlackEmulator, startSlackEmulator } from "../../tools/emulators/slack/index.ts";
import { type BotProcess, killAll, spawnBot, waitUntilReady } from "../support/bot-process.ts";
import { dropSchema, freshSchemaName, onPostgres, postgresTarget } from "../support/database.ts";
import { defaultPlaybookFile } from "../support/paths.ts";
import { SlackRequestSender } from "../support/slack-signer.ts";

/**
 * People declaring at the same moment on different replicas: three `npm start`
 * processes (three connection pools) on one PostgreSQL schema and one Slack
 * emulator, and 30 signed `/incident declare` commands spread over them at
 * once. Every declaration must get its own number, its own channel and its
 * own answer. PGlite is one connection inside one process, so only
 * PostgreSQL can race like this.
 */

const replicaCount = 3;
const declarationCount = 30;
const signingSecret = "concurrency-test-secret";
const severities = ["sev1", "sev2", "sev3", "sev4"];

const declarers = Array.from(
  { length: declarationCount },
  (_, index) => `U0DECL${String(index + 1).padStart(2, "0")}`,
);

/** Polls until `condition` holds; false on timeout, so the assertions can say what was missing. */
async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

if (!onPostgres) {
  describe("declaring on several replicas at once", () => {
    it.skip("needs PostgreSQL (npm run test:postgres): PGlite is one connection in one process, so replicas cannot race", () => undefined);
  });
}

describe.runIf(onPostgres)("declaring on several replicas at once", () => {
  let emulator: SlackEmulator;
  let schema: string;
  let db: Database;
  let dataDir: string;
  let replicas: BotProcess[] = [];

  beforeEach(async () => {
    emulator = await startSlackEmulator();
    for (const [index, id] of declarers.entries()) {
      emulator.world.addUser({ id, name: `declarer${index + 1}`, real_name: `Declarer ${index + 1}` });
    }
    dataDir = mkdtempSync(join(tmpdir(), "declare-concurrency-"));
    schema = freshSchemaName("declare_concurrency");
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

  it("gives 30 simultaneous declarations the numbers 1..30, a channel each, and answers every declarer", async () => {
    const url = (postgresTarget(schema) as { url: string }).url;
    replicas = await Promise.all(
      Array.from({ length: replicaCount }, () =>
        spawnBot({
          SLACK_BOT_TOKEN: "xoxb-concurrency-test",
          SLACK_SIGNING_SECRET: signingSecret,
          SLACK_API_URL: emulator.apiUrl,
          PLAYBOOK_FILE: defaultPlaybookFile,
          DATA_DIR: dataDir,
          DATABASE_URL: url,
        }),
      ),
    );
    await Promise.all(replicas.map((replica) => waitUntilReady(replica.url)));
    const senders = replicas.map(
      (replica) =>
        new SlackRequestSender(replica.url, signingSecret, (channelId, userId) =>
          emulator.responseUrl(channelId, userId),
        ),
    );

    const titleOf = (index: number) => `Concurrent outage ${index + 1}`;
    const acks = await Promise.all(
      declarers.map((userId, index) =>
        senders[index % replicaCount]!.slashCommand(
          `declare ${severities[index % severities.length]} ${titleOf(index)}`,
          { userId },
        ),
      ),
    );
    expect(acks.map((ack) => ack.status)).toEqual(declarers.map(() => 200));

    const repliesTo = (userId: string) =>
      emulator.ephemeralsFor(userId).filter((ephemeral) => ephemeral.source === "response_url");
    await waitFor(() => declarers.every((userId) => repliesTo(userId).length > 0), 30_000);

    const replies = Object.fromEntries(
      declarers.map((userId) => [userId, repliesTo(userId).map((reply) => reply.text)]),
    );
    const incidents = await db.prisma.incident.findMany({ orderBy: { number: "asc" } });
    const failures = replicas.flatMap((replica) =>
      replica.logs.filter((entry) => (entry.level as number) >= 50),
    );
    const diagnosis = JSON.stringify({ replies, failures }, null, 1);
    const declaredPerReplica = replicas.map(
      (replica) => replica.logs.filter((entry) => entry.msg === "incident declared").length,
    );
    console.info(
      `declare-concurrency: ${incidents.length} incidents recorded, declared per replica ` +
        `${JSON.stringify(declaredPerReplica)}, ${failures.length} errors logged`,
    );

    // Every declarer heard back, and the answer is their own incident.
    const unanswered = declarers.filter((userId) => replies[userId]!.length === 0);
    expect(unanswered, diagnosis).toEqual([]);
    for (const [index, userId] of declarers.entries()) {
      const incident = incidents.find((row) => row.declaredBy === userId);
      expect(incident, `${userId}: ${diagnosis}`).toBeDefined();
      expect(replies[userId], diagnosis).toEqual([
        expect.stringContaining(`Declared *INC-${incident!.number}: ${titleOf(index)}*`),
      ]);
    }

    expect(incidents.map((incident) => incident.number)).toEqual(
      Array.from({ length: declarationCount }, (_, index) => index + 1),
    );
    expect(incidents.every((incident) => incident.phase === "active")).toBe(true);
    const channels = emulator.world
      .channels()
      .filter((channel) => channel.name.startsWith("inc-"));
    expect(channels).toHaveLength(declarationCount);
    expect(new Set(incidents.map((incident) => incident.channelId)).size).toBe(declarationCount);
    for (const incident of incidents) {
      expect(channels.map((channel) => channel.name)).toContain(
        `inc-${incident.number}-concurrent-outage-${incident.title.split(" ").at(-1)}`,
      );
    }
    // The declarations really were spread over the replicas.
    expect(declaredPerReplica.every((count) => count > 0), String(declaredPerReplica)).toBe(true);

    for (const replica of replicas) replica.child.kill("SIGTERM");
    for (const replica of replicas) expect((await replica.exited).code).toBe(0);
  }, 120_000);
});
