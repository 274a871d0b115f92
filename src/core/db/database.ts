import { mkdirSync } from "node:fs";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../../generated/prisma/client.ts";
import { applyMigrations, type MigrationReport, type MigrationRunner } from "./migrate.ts";

export type { PrismaClient };

export type DatabaseTarget =
  | { kind: "postgres"; url: string }
  | { kind: "pglite"; dataDir: string }
  | { kind: "pglite-memory" };

export interface Database {
  kind: "postgres" | "pglite";
  prisma: PrismaClient;
  migrations: MigrationReport;
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the database, applies pending migrations and returns a Prisma client.
 * One schema and one SQL dialect serve both the embedded PGlite (single
 * process, no setup) and a real PostgreSQL (replicas, production).
 */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.kind === "postgres" ? openPostgres(target.url) : openPglite(target);
}

async function openPostgres(url: string): Promise<Database> {
  const { connectionString, schema } = splitSchemaParameter(url);
  const searchPathOption = schema ? `-c search_path="${schema}"` : undefined;
  const poolConfig: pg.PoolConfig = {
    connectionString,
    max: 10,
    ...(searchPathOption ? { options: searchPathOption } : {}),
  };

  const migrationClient = new pg.Client(poolConfig);
  await migrationClient.connect();
  let migrations: MigrationReport;
  try {
    if (schema) await createSchemaOnce(migrationClient, schema);
    const runner: MigrationRunner = {
      exec: async (sql) => {
        await migrationClient.query(sql);
      },
      query: async (sql, params) => (await migrationClient.query(sql, params)).rows,
    };
    migrations = await applyMigrations(runner, { advisoryLock: true });
  } finally {
    await migrationClient.end();
  }

  const pool = new pg.Pool(poolConfig);
  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool, schema ? { schema } : undefined),
  });
  return {
    kind: "postgres",
    prisma,
    migrations,
    ping: async () => {
      await pool.query("SELECT 1");
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}

async function openPglite(target: { kind: "pglite"; dataDir: string } | { kind: "pglite-memory" }) {
  let dataDir: string | undefined;
  if (target.kind === "pglite") {
    mkdirSync(target.dataDir, { recursive: true });
    dataDir = target.dataDir;
  }
  // Loaded only on this path: PGlite's wasm build costs start time and tens of MB,
  // and a PostgreSQL deployment never needs it.
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("pglite-prisma-adapter"),
  ]);
  const pglite = dataDir ? new PGlite(dataDir) : new PGlite();
  await pglite.waitReady;
  const runner: MigrationRunner = {
    exec: async (sql) => {
      await pglite.exec(sql);
    },
    query: async (sql, params) => (await pglite.query<Record<string, unknown>>(sql, params)).rows,
  };
  // PGlite is single-process, so there is nobody to race: no advisory lock.
  const migrations = await applyMigrations(runner, { advisoryLock: false });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const db: Database = {
    kind: "pglite",
    prisma,
    migrations,
    ping: async () => {
      await pglite.query("SELECT 1");
    },
    close: async () => {
      await prisma.$disconnect();
      if (!pglite.closed) await pglite.close();
    },
  };
  return db;
}

/**
 * `CREATE SCHEMA IF NOT EXISTS` is not safe against itself: two replicas
 * starting together can both find the schema missing, and the second insert
 * into the catalog then fails with a unique violation (23505) or
 * duplicate_schema (42P06). Either means the schema exists, which is all we want.
 */
async function createSchemaOnce(client: pg.Client, schema: string): Promise<void> {
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== "23505" && code !== "42P06") throw error;
  }
}

/**
 * Prisma's `?schema=` parameter is not understood by node-postgres, so it is
 * taken off the URL and applied as the search_path instead. Tests use it to
 * give every file its own schema on one PostgreSQL.
 */
export function splitSchemaParameter(url: string): { connectionString: string; schema?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not rethrown: the URL parser's error carries the whole URL, password included.
    throw new Error(
      "DATABASE_URL is not a valid URL: use postgresql://user:password@host:5432/database, with special characters in the password percent-encoded",
    );
  }
  const schema = parsed.searchParams.get("schema") ?? undefined;
  parsed.searchParams.delete("schema");
  if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) {
    throw new Error(`DATABASE_URL: schema "${schema}" must be a plain identifier`);
  }
  return schema ? { connectionString: parsed.toString(), schema } : { connectionString: url };
}
