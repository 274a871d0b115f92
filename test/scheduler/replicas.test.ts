import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../src/core/db/database.ts";
import { onJsonLines } from "../support/bot-process.ts";
import { dropSchema, freshSchemaName, onPostgres, postgresTarget } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";

/**
 * SPEC "Timers across 3 replicas, 2,000 due: 0 duplicates, 0 lost, one
 * replica killed mid-run". Three separate processes run the real engine on
 * one PostgreSQL schema; one is SIGKILLed while it holds claimed timers. Only
 * PostgreSQL has several connections and processes, so this runs only under
 * `npm run test:postgres`.
 */

const replicaScript = fileURLToPath(new URL("../support/scheduler-replica.ts", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));

const timerCount = 2_000;
const leaseSeconds = 2;
const killAfterEffects = 500;

interface Replica {
  name: string;
  child: ChildProcess;
  /** Claim tokens of the batches it has started running. */
  tokens: string[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnReplica(name: string, url: string): Promise<Replica> {
  const child = spawn(process.execPath, ["--import", "tsx", replicaScript], {
    cwd: repositoryRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DATABASE_URL: url,
      REPLICA_NAME: name,
      LEASE_SECONDS: String(leaseSeconds),
      // Lease losses are logged at info; warn keeps the output to real problems.
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const replica: Replica = { name, child, tokens: [], stderr: () => stderr, exited };
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(
      () => reject(new Error(`${name} not ready in time; stderr: ${stderr}`)),
      30_000,
    );
    onJsonLines(child.stdout!, (entry) => {
      if (entry.msg === "claimed" && typeof entry.token === "string" && entry.token !== "") replica.tokens.push(entry.token);
      if (entry.msg === "replica ready") {
        clearTimeout(timeout);
        resolve(replica);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timeout);
      reject(
        new Error(`${name} exited (${code ?? signal}) before it was ready; stderr: ${stderr}`),
      );
    });
  });
}

describe.runIf(onPostgres)("timers across three replica processes", () => {
  let schema: string;
  let db: Database;
  let replicas: Replica[] = [];

  beforeEach(async () => {
    schema = freshSchemaName("replicas");
    const target = postgresTarget(schema);
    // Opening it once applies the migrations, so the replicas start on a ready schema.
    db = await openDatabase(target);
    await db.prisma.$executeRawUnsafe(`
      CREATE TABLE replica_effects (
        id bigserial PRIMARY KEY,
        timer_key text NOT NULL,
        replica text NOT NULL,
        at timestamptz DEFAULT now()
      )`);
  });

  afterEach(async () => {
    for (const replica of replicas) {
      if (replica.child.exitCode === null && replica.child.signalCode === null) {
        replica.child.kill("SIGKILL");
        await replica.exited;
      }
    }
    replicas = [];
    await db.close();
    await dropSchema(schema);
  });

  it("runs 2,000 due timers exactly once while one replica is killed mid-run", async () => {
    const url = (postgresTarget(schema) as { url: string }).url;
    replicas = await Promise.all(["a", "b", "c"].map((name) => spawnReplica(name, url)));
    const [victim, ...survivors] = replicas as [Replica, Replica, Replica];

    // Inserted once all three are ticking, due over the next ~3 s, so that the
    // replicas compete for them rather than the first one up taking a head start.
    const firstDue = Date.now() + 500;
    await db.prisma.$executeRaw`
      INSERT INTO timers (kind, key, payload, due_at, state, attempts, created_at, updated_at)
      SELECT 'test.count', 'count-' || i, '{}'::jsonb,
             ${new Date(firstDue)}::timestamptz + (i * interval '1.5 milliseconds'),
             'pending', 0, now(), now()
      FROM generate_series(0, ${timerCount - 1}::int) AS i`;

    // Killed once it has committed some work, while timers are still flowing
    // and while it holds several claimed, uncommitted timers: those stay
    // `running` under its claim token until their lease runs out.
    const victimClaims = async () => {
      const rows = await db.prisma.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM timers
        WHERE state = 'running' AND claim_token = ANY(${victim.tokens}::text[])`;
      return Number(rows[0]!.n);
    };
    await waitFor(
      async () => {
        const rows = await db.prisma.$queryRaw<{ total: bigint; victim: bigint }[]>`
          SELECT count(*) AS total, count(*) FILTER (WHERE replica = ${victim.name}) AS victim
          FROM replica_effects`;
        const [total, byVictim] = [Number(rows[0]!.total), Number(rows[0]!.victim)];
        return { total, byVictim, holding: total >= killAfterEffects ? await victimClaims() : 0 };
      },
      (counts) => counts.byVictim > 0 && counts.holding >= 3,
      { what: "the victim to be mid-run after doing some work", timeoutMs: 30_000, intervalMs: 50 },
    );
    victim.child.kill("SIGKILL");
    expect(await victim.exited).toEqual({ code: null, signal: "SIGKILL" });
    // Dead now, so this is what it left claimed: only a survivor can run these,
    // and only after the lease has expired.
    const stranded = await db.prisma.$queryRaw<{ key: string }[]>`
      SELECT key FROM timers
      WHERE state = 'running' AND claim_token = ANY(${victim.tokens}::text[])`;
    expect(stranded.length).toBeGreaterThan(0);
    const notDoneAtKill = await countTimers("state <> 'done'");

    await waitFor(
      () => countTimers("state = 'done'"),
      (done) => done === timerCount,
      { what: "every timer to be done", timeoutMs: 60_000, intervalMs: 50 },
    );
    // Anything still in flight (a duplicate would be) lands before counting: each survivor
    // stops on SIGTERM only after its scheduler has finished the run in progress.
    for (const survivor of survivors) survivor.child.kill("SIGTERM");
    for (const survivor of survivors) {
      expect(await survivor.exited, survivor.stderr()).toEqual({ code: 0, signal: null });
    }

    const effects = await db.prisma.$queryRaw<
      { rows: bigint; keys: bigint; duplicated_keys: bigint }[]
    >`
      SELECT count(*) AS rows, count(DISTINCT timer_key) AS keys,
             (SELECT count(*) FROM (
                SELECT timer_key FROM replica_effects GROUP BY timer_key HAVING count(*) > 1
              ) d) AS duplicated_keys
      FROM replica_effects`;
    const byReplica = await db.prisma.$queryRaw<{ replica: string; n: bigint }[]>`
      SELECT replica, count(*) AS n FROM replica_effects GROUP BY replica ORDER BY replica`;
    const timers = await db.prisma.$queryRaw<{ state: string; n: bigint }[]>`
      SELECT state, count(*) AS n FROM timers GROUP BY state`;
    const strandedEffects = await db.prisma.$queryRaw<{ timer_key: string; replica: string }[]>`
      SELECT timer_key, replica FROM replica_effects
      WHERE timer_key = ANY(${stranded.map((row) => row.key)}::text[])`;
    const lost = await db.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM timers t
      WHERE NOT EXISTS (SELECT 1 FROM replica_effects e WHERE e.timer_key = t.key)`;

    const perReplica = Object.fromEntries(byReplica.map((r) => [r.replica, Number(r.n)]));
    console.info(
      `replicas: effects per replica ${JSON.stringify(perReplica)}, ` +
        `${stranded.length} timers left claimed by the killed one, ${notDoneAtKill} not done at the kill`,
    );

    expect(Number(effects[0]!.rows)).toBe(timerCount);
    expect(Number(effects[0]!.keys)).toBe(timerCount);
    expect(Number(effects[0]!.duplicated_keys)).toBe(0);
    expect(Number(lost[0]!.n)).toBe(0);
    expect(timers.map((t) => [t.state, Number(t.n)])).toEqual([["done", timerCount]]);
    expect(Object.keys(perReplica).length).toBeGreaterThan(1);
    for (const survivor of survivors) expect(perReplica[survivor.name] ?? 0).toBeGreaterThan(0);
    // What the victim held when it died ran once more, on a survivor, and only there.
    expect(strandedEffects).toHaveLength(stranded.length);
    for (const effect of strandedEffects) expect(effect.replica).not.toBe(victim.name);
  }, 120_000);

  async function countTimers(where: string): Promise<number> {
    const rows = await db.prisma.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM timers WHERE ${where}`,
    );
    return Number(rows[0]!.n);
  }
});
