import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import Handlebars from "handlebars";

/**
 * Customer-notice templates: one Handlebars file per phase in `notices/`
 * beside the playbook. The first line is `Subject: …`, then a blank line, then
 * the body. Templates are validated at startup: every variable they use must
 * be one the bot provides, and an error names the file and line.
 */

export const noticePhases = ["investigating", "identified", "monitoring", "resolved", "postmortem"] as const;
export type NoticePhase = (typeof noticePhases)[number];

/** What a template may use. */
export const noticeVariables = [
  "title",
  "impact",
  "components",
  "componentList",
  "startTime",
  "status",
  "lastPublicUpdate",
  "nextUpdateTime",
  "resolvedTime",
  "resolutionSummary",
  "companyName",
  "supportContact",
] as const;
export type NoticeVariables = Record<(typeof noticeVariables)[number], string | string[]>;

const allowedHelpers = new Set(["if", "unless", "each", "with"]);

export class NoticeTemplateError extends Error {
  override name = "NoticeTemplateError";
}

export interface NoticeTemplate {
  phase: NoticePhase;
  file: string;
  render(variables: NoticeVariables): { subject: string; body: string };
}

export type NoticeTemplates = Record<NoticePhase, NoticeTemplate>;

export function noticesDirFor(playbookFile: string): string {
  return join(dirname(playbookFile), "notices");
}

export function loadNoticeTemplates(dir: string): NoticeTemplates {
  const problems: string[] = [];
  const templates = {} as NoticeTemplates;
  for (const phase of noticePhases) {
    const file = join(dir, `${phase}.hbs`);
    let source: string;
    try {
      source = readFileSync(file, "utf8");
    } catch {
      problems.push(`${file}: missing; every phase (${noticePhases.join(", ")}) needs a template`);
      continue;
    }
    try {
      templates[phase] = compileNoticeTemplate(phase, file, source);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) {
    throw new NoticeTemplateError(`Customer-notice templates are invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
  return templates;
}

export function compileNoticeTemplate(phase: NoticePhase, file: string, source: string): NoticeTemplate {
  const match = /^Subject:[ \t]*(.+)\r?\n\r?\n([\s\S]*)$/.exec(source);
  if (!match) throw new NoticeTemplateError(`${file}:1: the first line must be "Subject: …", followed by a blank line`);
  const [, subjectSource = "", bodySource = ""] = match;
  checkVariables(file, subjectSource, 1);
  checkVariables(file, bodySource, 3);
  // Plain-text mail: no HTML escaping; strict: a missing variable is an error, not "".
  const options = { noEscape: true, strict: true } as const;
  const subject = Handlebars.compile(subjectSource, options);
  const body = Handlebars.compile(bodySource, options);
  return {
    phase,
    file,
    render: (variables) => ({
      subject: subject(variables).replace(/\s+/g, " ").trim(),
      body: `${body(variables).replace(/\n{3,}/g, "\n\n").trim()}\n`,
    }),
  };
}

/** Walks the template's syntax tree and checks every variable it names. */
function checkVariables(file: string, source: string, firstLine: number): void {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch (error) {
    const line = /line (\d+)/.exec((error as Error).message)?.[1];
    throw new NoticeTemplateError(
      `${file}:${line ? Number(line) + firstLine - 1 : firstLine}: not valid Handlebars: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  const unknown: { name: string; line: number }[] = [];
  const visit = (node: unknown, insideBlock: boolean): void => {
    if (!node || typeof node !== "object") return;
    const typed = node as { type?: string; loc?: { start: { line: number } } } & Record<string, unknown>;
    if (typed.type === "PathExpression") {
      const path = typed as unknown as hbs.AST.PathExpression;
      const root = path.parts[0];
      const scoped = path.data || path.original === "this" || path.original.startsWith("this.") || path.depth > 0;
      if (!scoped && root && !allowedHelpers.has(root) && !(noticeVariables as readonly string[]).includes(root)) {
        // Inside #each/#with a bare name may refer to the item; only the top level is checked strictly.
        if (!insideBlock) unknown.push({ name: path.original, line: (typed.loc?.start.line ?? 1) + firstLine - 1 });
      }
      return;
    }
    const nested = typed.type === "BlockStatement" && ["each", "with"].includes(((typed as unknown as hbs.AST.BlockStatement).path as hbs.AST.PathExpression).original);
    for (const [key, value] of Object.entries(typed)) {
      if (key === "loc") continue;
      const childInside = insideBlock || (nested && (key === "program" || key === "inverse"));
      if (Array.isArray(value)) for (const item of value) visit(item, childInside);
      else visit(value, childInside);
    }
  };
  visit(program, false);
  if (unknown.length > 0) {
    const first = unknown[0]!;
    throw new NoticeTemplateError(
      `${file}:${first.line}: unknown variable "${first.name}"; templates may use ${noticeVariables.join(", ")}`,
    );
  }
}
