import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/core/db/database.ts";
import { onPostgres, postgresUrl } from "../support/database.ts";

// Two replicas starting together on a new `?schema=`: the second CREATE SCHEMA IF NOT EXISTS
// waits on the first one's uncommitted catalog row, then fails with a unique violation unless
// the bot takes that as "the schema exists". Made deterministic by holding the first one open.
const schema = `t_schema_race_${process.pid}`;
const admin = () => new pg.Client({ connectionString: postgresUrl });

afterEach(async () => {
  const client = admin();
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

describe.skipIf(!onPostgres)("a new schema created by two replicas at once", () => {
  it("the second one starts once the first commits, instead of failing on the catalog's unique index", async () => {
    const first = admin();
    await first.connect();
    await first.query("BEGIN");
    await first.query(`CREATE SCHEMA "${schema}"`);

    const url = new URL(postgresUrl);
    url.searchParams.set("schema", schema);
    const opening = openDatabase({ kind: "postgres", url: url.toString() });
    // Give the second CREATE SCHEMA time to reach the lock the first one holds.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await first.query("COMMIT");
    await first.end();

    const db = await opening;
    try {
      expect(db.migrations.applied.length).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });
});
