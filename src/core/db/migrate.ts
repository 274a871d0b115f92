import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Applies `prisma/migrations/<name>/migration.sql` at startup, in name order.
 *
 * Why not `prisma migrate deploy`: offline it needs a native engine download,
 * against PostgreSQL 6.19's adapter fails on `name` columns (prisma#27403), and
 * through the PGlite adapter a failing migration is recorded as applied. So the
 * app does it itself, the way Prisma would:
 *   - each migration in its own transaction, recorded only if it commits;
 *   - under a transaction-scoped advisory lock, so replicas starting together
 *     apply each migration once and the others wait, then skip it;
 *   - bookkeeping in Prisma's own `_prisma_migrations` table with Prisma's
 *     checksum (sha256 of the file), so `prisma migrate status` agrees.
 */

export interface MigrationRunner {
  /** Runs SQL that may hold several statements (simple query protocol). */
  exec(sql: string): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/**
 * The SQL migrations: `dist/migrations/` when running the build (the build
 * copies them there, so dist/ is complete on its own), else the source tree's
 * `prisma/migrations/`.
 */
const builtMigrationsDir = fileURLToPath(new URL("../../migrations", import.meta.url));
export const defaultMigrationsDir = existsSync(builtMigrationsDir)
  ? builtMigrationsDir
  : fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));

// Any constant works; it only has to be the same for every replica of this app.
const migrationLockKey = 72_616_001;

const createBookkeepingTable = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export function readMigrations(dir: string = defaultMigrationsDir): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name, "migration.sql"));
      return {
        name,
        sql: bytes.toString("utf8"),
        checksum: createHash("sha256").update(bytes).digest("hex"),
      };
    });
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

export async function applyMigrations(
  db: MigrationRunner,
  options: { advisoryLock: boolean; migrations?: Migration[] },
): Promise<MigrationReport> {
  const migrations = options.migrations ?? readMigrations();
  const report: MigrationReport = { applied: [], alreadyApplied: [] };

  for (const migration of migrations) {
    await db.exec("BEGIN");
    try {
      if (options.advisoryLock) {
        // `SELECT 1 FROM`: a void column trips Prisma's adapter elsewhere, and
        // keeping the same form everywhere avoids surprises.
        await db.query(`SELECT 1 FROM pg_advisory_xact_lock(${migrationLockKey})`);
      }
      await db.exec(createBookkeepingTable);
      const rows = await db.query(
        `SELECT checksum FROM "_prisma_migrations"
          WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
        [migration.name],
      );
      const recorded = rows[0];
      if (recorded) {
        if (recorded.checksum !== migration.checksum) {
          throw new MigrationError(
            `Migration ${migration.name} was changed after it was applied (checksum differs). ` +
              "Restore the original migration.sql and add a new migration instead.",
          );
        }
        report.alreadyApplied.push(migration.name);
      } else {
        const startedAt = new Date();
        await db.exec(migration.sql);
        await db.query(
          `INSERT INTO "_prisma_migrations"
             (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, $4, 1)`,
          [randomUUID(), migration.checksum, migration.name, startedAt],
        );
        report.applied.push(migration.name);
      }
      await db.exec("COMMIT");
    } catch (error) {
      await db.exec("ROLLBACK").catch(() => undefined);
      if (error instanceof MigrationError) throw error;
      throw new MigrationError(
        `Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return report;
}
