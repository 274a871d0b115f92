#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/ with tsc (tsconfig.build.json) and
// copies the SQL migrations beside it, so dist/ plus the production
// dependencies is everything `npm start` needs. Run `npm run db:generate`
// first on a fresh checkout (npm install does it).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
if (!existsSync("src/generated/prisma/client.ts")) {
  console.error("src/generated/prisma is missing: run `npm run db:generate` first.");
  process.exit(1);
}
rmSync("dist", { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
  stdio: "inherit",
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
cpSync("prisma/migrations", "dist/migrations", { recursive: true });
console.log("Built dist/ (start it with `npm start`).");
