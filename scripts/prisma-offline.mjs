#!/usr/bin/env node
// Runs the Prisma CLI without letting it download native engines.
//
// Prisma 6.19 with `engine: "js"` and `engineType = "client"` needs no native
// engine, yet the CLI still tries to fetch one before `generate` and
// `migrate diff` unless these variables point at an existing file. Nothing is
// ever loaded from that path: the wasm schema engine and the TypeScript query
// compiler do the work. See docs/ARCHITECTURE.md, "Migrations".
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let prismaCli;
try {
  prismaCli = require.resolve("prisma/build/index.js");
} catch {
  // A production install (`npm ci --omit=dev`) has no Prisma CLI, and needs none:
  // the generated client ships compiled in dist/. Nothing to generate there.
  console.log("prisma CLI not installed (production install): skipping `prisma generate`");
  process.exit(0);
}
const placeholder = process.execPath; // any file that exists, on every OS

const result = spawnSync(process.execPath, [prismaCli, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY ?? placeholder,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? placeholder,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
process.exit(result.status ?? 1);
