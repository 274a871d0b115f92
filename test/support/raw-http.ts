import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SlackEmulator, startSlackEmulator } from "../../tools/emulators/slack/index.ts";
import { type BotProcess, killAll, spawnBot, waitUntilReady } from "./bot-process.ts";
import { type TestDatabase, testDatabase } from "./database.ts";
import { defaultPlaybookFile } from "./paths.ts";

/**
 * Bytes on a socket, for what fetch refuses to send (broken request lines,
 * lying Content-Length, bodies that trickle in) and for seeing exactly what
 * the server answers, including a closed connection with no answer at all.
 */

export interface RawAnswer {
  /** The status code, or undefined when the server closed without answering. */
  status: number | undefined;
  text: string;
  /** Milliseconds from connecting to the connection's end. */
  elapsedMs: number;
}

export function rawRequest(
  port: number,
  write: (socket: Socket) => void,
  options: { timeoutMs?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : undefined, text, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 15_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", finish);
    socket.on("close", finish);
    // A reset after the answer is normal when the server closes mid-upload.
    socket.on("error", finish);
    socket.on("connect", () => write(socket));
  });
}

/** Writes `bytes`, ignoring a peer that has already gone. */
export function writeQuietly(socket: Socket, bytes: string | Buffer): void {
  if (!socket.destroyed) socket.write(bytes, () => undefined);
}

export const childSigningSecret = "child-signing-secret";

export interface ChildBot {
  bot: BotProcess;
  emulator: SlackEmulator;
  database: TestDatabase;
  dispose(): Promise<void>;
}

/** The real `npm start` in a child process, against a Slack emulator and its own database. */
export async function startChildBot(label: string, env: Record<string, string> = {}): Promise<ChildBot> {
  const emulator = await startSlackEmulator();
  const dataDir = mkdtempSync(join(tmpdir(), `incident-bot-${label}-`));
  const database = testDatabase(label, dataDir);
  const childEnv: Record<string, string> = {
    SLACK_BOT_TOKEN: "xoxb-child-test-token",
    SLACK_SIGNING_SECRET: childSigningSecret,
    SLACK_API_URL: emulator.apiUrl,
    PLAYBOOK_FILE: defaultPlaybookFile,
    DATA_DIR: dataDir,
    ...env,
  };
  if (database.target.kind === "postgres") childEnv.DATABASE_URL = database.target.url;
  const bot = await spawnBot(childEnv);
  await waitUntilReady(bot.url, 20_000);
  return {
    bot,
    emulator,
    database,
    dispose: async () => {
      await killAll([bot]);
      await emulator.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** True while the child has neither exited nor been killed. */
export function isAlive(bot: BotProcess): boolean {
  return bot.child.exitCode === null && bot.child.signalCode === null;
}
