import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMigrations } from "../../src/core/db/migrate.ts";
import { type SlackEmulator, startSlackEmulator } from "../../tools/emulators/slack/index.ts";
import { spawnBot, waitUntilReady } from "../support/bot-process.ts";
import { defaultPlaybookFile } from "../support/paths.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const builtStart = join(root, "dist/cli/start.js");

let emulator: SlackEmulator;
let dataDir: string;

beforeAll(async () => {
  const build = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: root, encoding: "utf8" });
  expect(build.status, build.stderr + build.stdout).toBe(0);
  emulator = await startSlackEmulator();
  dataDir = mkdtempSync(join(tmpdir(), "bot-built-"));
}, 120_000);

afterAll(async () => {
  await emulator?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("npm run build", () => {
  it("emits JavaScript only, with the generated Prisma client and every migration beside it", () => {
    expect(existsSync(builtStart)).toBe(true);
    expect(existsSync(join(root, "dist/generated/prisma/client.js"))).toBe(true);
    const shipped = readdirSync(join(root, "dist/migrations")).sort();
    expect(shipped).toEqual(readMigrations().map((migration) => migration.name));
    const files = readdirSync(join(root, "dist"), { recursive: true, encoding: "utf8" });
    expect(files.filter((file) => file.endsWith(".ts"))).toEqual([]);
  });

  it("runs on plain node: migrates from dist/migrations, gets ready, and drains on SIGTERM", async () => {
    const bot = await spawnBot(
      {
        SLACK_BOT_TOKEN: "xoxb-built",
        SLACK_SIGNING_SECRET: "built-secret",
        SLACK_API_URL: emulator.apiUrl,
        PLAYBOOK_FILE: defaultPlaybookFile,
        DATA_DIR: dataDir,
      },
      { nodeArgs: ["--max-semi-space-size=2", "--enable-source-maps", builtStart] },
    );
    await waitUntilReady(bot.url, 30_000);
    const applied = bot.logs.find((line) => line.msg === "database ready")?.applied;
    expect(applied).toEqual(readMigrations().map((migration) => migration.name));
    bot.child.kill("SIGTERM");
    expect(await bot.exited).toEqual({ code: 0, signal: null });
  });
});
