import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { DateTime } from "luxon";
import { loadPlaybook, type Playbook, PlaybookError, severityIds } from "../core/config/playbook.ts";
import { renderPlaybookDiagram } from "../core/config/playbook-diagram.ts";
import { onCallAt } from "../domain/oncall/rotations.ts";

// `npm run playbook:check [file]` and `npm run playbook:render [file] [--out path]`.
const usage = `Usage:
  npm run playbook:check [-- file]                  validate; print a summary or the errors
  npm run playbook:render [-- file] [--out path]    write the Mermaid flowchart (default docs/playbook.mmd; - for stdout)
The file defaults to PLAYBOOK_FILE, then ./playbook.yml.`;

const defaultDiagramFile = "docs/playbook.mmd";

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command !== "check" && command !== "render") {
    console.error(command ? `Unknown command "${command}".\n\n${usage}` : usage);
    return 2;
  }
  let args: ReturnType<typeof parse>;
  try {
    args = parse(rest, command === "render");
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (args.positionals.length > 1) {
    console.error(
      `Expected at most one playbook file, got ${args.positionals.length}.\n\n${usage}`,
    );
    return 2;
  }
  // Same default as the bot itself (src/core/config/env.ts), so check what will run.
  const file = args.positionals[0] ?? (process.env.PLAYBOOK_FILE || "./playbook.yml");

  let book: Playbook;
  try {
    book = loadPlaybook(file);
  } catch (error) {
    if (!(error instanceof PlaybookError)) throw error;
    console.error(error.message);
    return 1;
  }

  if (command === "check") {
    console.log(summary(file, book, new Date()));
    return 0;
  }
  const diagram = renderPlaybookDiagram(book);
  const out = args.values.out ?? defaultDiagramFile;
  if (out === "-") {
    process.stdout.write(diagram);
  } else {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, diagram);
    console.log(`Wrote the flowchart of ${file} to ${out}.`);
  }
  return 0;
}

function parse(args: string[], withOut: boolean) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: withOut ? { out: { type: "string", short: "o" } } : {},
  }) as { values: { out?: string }; positionals: string[] };
}

/** One line: enough to see at a glance that the file is the one intended. */
function summary(file: string, book: Playbook, now: Date): string {
  const severities = severityIds(book);
  const rotations = Object.entries(book.rotations).map(([id, rotation]) => {
    const onCall = onCallAt(rotation, now);
    const until = DateTime.fromJSDate(onCall.shiftEnd, { zone: rotation.timezone }).toFormat(
      "yyyy-MM-dd HH:mm ZZZZ",
    );
    const covering = onCall.covering ? ` covering ${onCall.covering}` : "";
    return `${id} ${onCall.userId}${covering} until ${until}`;
  });
  const counts = [
    `${plural(severities.length, "severity", "severities")} (${severities.join(", ")})`,
    plural(Object.keys(book.roles).length, "role"),
    plural(rotations.length, "rotation"),
  ].join(", ");
  const onCall = rotations.length > 0 ? `; on call now: ${rotations.join("; ")}` : "";
  return `${file} is valid: ${counts}${onCall}`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

process.exitCode = main(process.argv.slice(2));
