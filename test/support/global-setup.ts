import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../src/core/db/database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplateDir: string;
  }
}

/**
 * Creating a PGlite database (initdb in WASM) takes seconds; copying a
 * migrated one takes a fraction of that. So one template is made per run and
 * each test copies it. Migrations themselves are still tested from empty
 * (test/db/migrations.test.ts).
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "incident-bot-template-"));
  const database = await openDatabase({ kind: "pglite", dataDir: dir });
  await database.close();
  project.provide("pgliteTemplateDir", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
