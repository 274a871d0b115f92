import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface Spawned {
  child: ChildProcess;
  /** The first stdout JSON line for which `ready` returned true. */
  line: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Spawns `node --import tsx <script>` and waits for a JSON line on stdout. */
export function spawnScript(
  script: string,
  env: Record<string, string>,
  ready: (line: Record<string, unknown>) => boolean,
): Promise<Spawned> {
  return spawnNode(["--import", "tsx", script], env, ready);
}

/** Spawns `node <args>` and waits for a JSON line on stdout. */
export function spawnNode(
  args: string[],
  env: Record<string, string>,
  ready: (line: Record<string, unknown>) => boolean,
): Promise<Spawned> {
  const script = args.at(-1)!;
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const text of lines) {
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (ready(line)) {
          child.stdout!.off("data", onData);
          child.stdout!.resume();
          resolve({
            child,
            line,
            stop: () =>
              new Promise<void>((done) => {
                if (child.exitCode !== null) return done();
                child.once("exit", () => done());
                child.kill("SIGTERM");
              }),
          });
        }
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`${script} exited with ${code} before it was ready`)),
    );
  });
}
