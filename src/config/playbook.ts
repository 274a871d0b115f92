import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { z } from "zod";

/**
 * The playbook: the team's escalation flowchart as data (SPEC.md, "The
 * playbook"). This module owns its schema, its loading and its error messages;
 * every error names the file, the path inside it and what was expected.
 */

export const severityId = z.string().regex(/^SEV[1-9]$/, { message: "expected SEV1 … SEV9" });

const roleId = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, { message: "expected a lowercase id such as incident_commander" });

const severity = z.object({
  description: z.string().min(1),
  /** Minutes between required status updates; null means no reminders. */
  updateCadenceMinutes: z.number().int().positive().nullable(),
  customerNoticeRequired: z.boolean().default(false),
});

const role = z.object({
  label: z.string().min(1),
  description: z.string().default(""),
});

export const playbook = z
  .object({
    version: z.literal(1),
    /** A channel ID (C…) or a #name, resolved once at startup. */
    announcementChannel: z.string().min(2),
    severities: z.record(severityId, severity).refine((s) => Object.keys(s).length > 0, {
      message: "define at least one severity",
    }),
    roles: z.record(roleId, role).refine((r) => "incident_commander" in r, {
      message: "the incident_commander role must exist",
    }),
  })
  .strict();

export type Playbook = z.infer<typeof playbook>;
export type SeverityId = string;

export class PlaybookError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not a valid playbook:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "PlaybookError";
  }
}

export function parsePlaybook(text: string, file: string): Playbook {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new PlaybookError(
      file,
      document.errors.map((e) => `YAML syntax at line ${e.linePos?.[0].line ?? "?"}: ${e.message}`),
    );
  }
  const result = playbook.safeParse(document.toJS());
  if (!result.success) {
    throw new PlaybookError(
      file,
      result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
    );
  }
  return result.data;
}

export function loadPlaybook(file: string): Playbook {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new PlaybookError(file, [
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}); set PLAYBOOK_FILE to your playbook's path`,
    ]);
  }
  return parsePlaybook(text, file);
}

/** `["severities","SEV1","page",2]` → `severities.SEV1.page[2]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(top level)";
  return path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`,
    )
    .join("");
}

/** Severities in order of urgency: SEV1 first. */
export function severityIds(book: Playbook): string[] {
  return Object.keys(book.severities).sort();
}
