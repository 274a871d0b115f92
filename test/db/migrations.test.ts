import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/core/db/database.ts";
import {
  applyMigrations,
  MigrationError,
  type MigrationRunner,
  readMigrations,
} from "../../src/core/db/migrate.ts";
import { type TestDatabase, testDatabase } from "../support/database.ts";

const migrationNames = readMigrations().map((m) => m.name);
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function freshDatabase(label: string): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), `migrations-${label}-`));
  const database = testDatabase(label, dir, { fromEmpty: true });
  cleanups.push(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return database;
}

describe("migrations at startup", () => {
  it("are applied to an empty database, and a second start applies nothing", async () => {
    const database = freshDatabase("empty");
    const first = await openDatabase(database.target);
    expect(first.migrations).toEqual({ applied: migrationNames, alreadyApplied: [] });
    const recorded = await first.prisma.$queryRaw<{ migration_name: string; checksum: string }[]>`
      SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name`;
    expect(recorded).toEqual(
      readMigrations().map((m) => ({
        migration_name: m.name,
        checksum: createHash("sha256").update(m.sql).digest("hex"),
      })),
    );
    await first.close();

    const second = await openDatabase(database.target);
    expect(second.migrations).toEqual({ applied: [], alreadyApplied: migrationNames });
    expect(await second.prisma.incident.count()).toBe(0);
    await second.close();
  });
});

describe("applyMigrations", () => {
  function pgliteRunner(db: PGlite): MigrationRunner {
    return {
      exec: async (sql) => {
        await db.exec(sql);
      },
      query: async (sql, params) => (await db.query<Record<string, unknown>>(sql, params)).rows,
    };
  }

  it("rolls back a failing migration and does not record it", async () => {
    const db = new PGlite();
    const migrations = [
      { name: "001_ok", sql: "CREATE TABLE a (id int);", checksum: "a".repeat(64) },
      {
        name: "002_broken",
        sql: "CREATE TABLE b (id int); SELECT * FROM missing_table;",
        checksum: "b".repeat(64),
      },
    ];
    await expect(
      applyMigrations(pgliteRunner(db), { advisoryLock: false, migrations }),
    ).rejects.toThrow(/002_broken failed and was rolled back/);
    const recorded = await db.query<{ migration_name: string }>(
      `SELECT migration_name FROM "_prisma_migrations"`,
    );
    expect(recorded.rows.map((r) => r.migration_name)).toEqual(["001_ok"]);
    const tableB = await db.query(`SELECT to_regclass('b') AS t`);
    expect(tableB.rows).toEqual([{ t: null }]);
    await db.close();
  });

  it("refuses to start when an applied migration was edited", async () => {
    const db = new PGlite();
    const original = { name: "001", sql: "CREATE TABLE a (id int);", checksum: "a".repeat(64) };
    await applyMigrations(pgliteRunner(db), { advisoryLock: false, migrations: [original] });
    await expect(
      applyMigrations(pgliteRunner(db), {
        advisoryLock: false,
        migrations: [{ ...original, checksum: "c".repeat(64) }],
      }),
    ).rejects.toThrow(MigrationError);
    await db.close();
  });
});
