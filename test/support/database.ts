import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { type Database, type DatabaseTarget, openDatabase } from "../../src/core/db/database.ts";

/**
 * Which database a suite runs on. `npm test` uses the embedded PGlite;
 * `npm run test:postgres` sets TEST_DATABASE=postgres and every call gets its
 * own schema on the PostgreSQL in DATABASE_URL, so files run in parallel.
 */
export const onPostgres = process.env.TEST_DATABASE === "postgres";

export const postgresUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  target: DatabaseTarget;
  /** Drops the schema (PostgreSQL); PGlite directories are temp dirs. */
  drop(): Promise<void>;
}

export function freshSchemaName(label: string): string {
  return `t_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
}

export function postgresTarget(schema: string): DatabaseTarget {
  const url = new URL(postgresUrl);
  url.searchParams.set("schema", schema);
  return { kind: "postgres", url: url.toString() };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * PGlite in `dataDir` (a copy of the migrated template, unless `fromEmpty`),
 * or a fresh PostgreSQL schema when on PostgreSQL.
 */
export function testDatabase(
  label: string,
  dataDir: string,
  options: { fromEmpty?: boolean } = {},
): TestDatabase {
  if (!onPostgres) {
    const template = inject("pgliteTemplateDir");
    if (!options.fromEmpty && template && !existsSync(join(dataDir, "PG_VERSION"))) {
      cpSync(template, dataDir, { recursive: true });
    }
    return { target: { kind: "pglite", dataDir }, drop: async () => undefined };
  }
  const schema = freshSchemaName(label);
  return { target: postgresTarget(schema), drop: () => dropSchema(schema) };
}

/**
 * An opened, migrated database of its own for a suite that talks to the
 * database directly (no bot): PGlite in a temporary directory, or a fresh
 * PostgreSQL schema. `dispose` closes and removes it.
 */
export async function openScratchDatabase(label: string): Promise<{ db: Database; dispose(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), `${label}-`));
  const database = testDatabase(label, dataDir);
  const db = await openDatabase(database.target);
  return {
    db,
    dispose: async () => {
      await db.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
