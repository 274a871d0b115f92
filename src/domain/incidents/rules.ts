import type { Result } from "../../core/result.ts";
import { withoutControlCharacters } from "../../core/text.ts";
/**
 * Pure rules about incidents: validation of what people type, naming, and the
 * small vocabulary shared by the rest of the code. No I/O here.
 */

export const incidentStatuses = ["investigating", "identified", "monitoring", "resolved"] as const;
export type IncidentStatus = (typeof incidentStatuses)[number];

export const statusLabels: Record<string, string> = {
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
};

export const limits = {
  titleMaxLength: 150,
  summaryMaxLength: 2000,
  componentMaxCount: 20,
  componentMaxLength: 60,
  channelNameMaxLength: 80,
  updateMaxLength: 3000,
} as const;

export function incidentKey(number: number): string {
  return `INC-${number}`;
}

/** Accepts `sev2`, `SEV2`, `2`; returns the playbook's id or an error naming the choices. */
export function parseSeverity(input: string, known: readonly string[]): Result<string> {
  const normalized = input.trim().toUpperCase();
  const candidate = /^\d$/.test(normalized) ? `SEV${normalized}` : normalized;
  if (known.includes(candidate)) return { ok: true, value: candidate };
  return {
    ok: false,
    error: `"${input.trim() || "(empty)"}" is not a severity. Use one of: ${known.join(", ")}.`,
  };
}

export function validateTitle(input: string): Result<string> {
  const title = withoutControlCharacters(input).replace(/\s+/g, " ").trim();
  if (title === "") return { ok: false, error: "The title is empty. Say what is broken." };
  if (title.length > limits.titleMaxLength) {
    return {
      ok: false,
      error: `The title is ${title.length} characters; keep it to ${limits.titleMaxLength}. Put details in the summary.`,
    };
  }
  return { ok: true, value: title };
}

export function validateSummary(input: string): Result<string> {
  const summary = withoutControlCharacters(input).trim();
  if (summary.length > limits.summaryMaxLength) {
    return {
      ok: false,
      error: `The summary is ${summary.length} characters; keep it to ${limits.summaryMaxLength}.`,
    };
  }
  return { ok: true, value: summary };
}

/** Comma- or newline-separated component names, deduplicated, order kept. */
export function parseComponents(input: string): Result<string[]> {
  const names = [
    ...new Set(
      withoutControlCharacters(input)
        .split(/[,\n]/)
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ];
  if (names.length > limits.componentMaxCount) {
    return { ok: false, error: `List at most ${limits.componentMaxCount} affected components.` };
  }
  const tooLong = names.find((name) => name.length > limits.componentMaxLength);
  if (tooLong) {
    return {
      ok: false,
      error: `Component names are at most ${limits.componentMaxLength} characters.`,
    };
  }
  return { ok: true, value: names };
}

/**
 * `inc-<number>-<slug>`: lowercase letters, digits and `-` only, at most 80
 * characters (Slack's rule). `attempt` > 1 appends `-<attempt>` for when the
 * name is taken, keeping the suffix inside the 80 characters.
 */
export function channelNameFor(number: number, title: string, attempt = 1): string {
  const prefix = `inc-${number}`;
  const suffix = attempt > 1 ? `-${attempt}` : "";
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const room = limits.channelNameMaxLength - prefix.length - suffix.length - 1;
  const trimmedSlug = slug.slice(0, Math.max(0, room)).replace(/-+$/g, "");
  return `${prefix}${trimmedSlug ? `-${trimmedSlug}` : ""}${suffix}`;
}

/** `INC-42`, `inc-42` or `42` → 42. */
export function parseIncidentReference(input: string): number | undefined {
  const match = /^(?:inc-)?(\d{1,9})$/i.exec(input.trim());
  return match ? Number(match[1]) : undefined;
}

export function parseStatus(input: string): Result<IncidentStatus> {
  const status = input.trim().toLowerCase();
  if ((incidentStatuses as readonly string[]).includes(status)) {
    return { ok: true, value: status as IncidentStatus };
  }
  return {
    ok: false,
    error: `"${input.trim() || "(empty)"}" is not a status. Use one of: ${incidentStatuses.join(", ")}.`,
  };
}

export function validateUpdateMessage(input: string): Result<string> {
  const message = withoutControlCharacters(input).trim();
  if (message === "") return { ok: false, error: "The update message is empty. Say what changed." };
  if (message.length > limits.updateMaxLength) {
    return {
      ok: false,
      error: `The update is ${message.length} characters; keep it to ${limits.updateMaxLength}.`,
    };
  }
  return { ok: true, value: message };
}

/**
 * Splits an optional leading `INC-42` off a command's arguments, so every
 * subcommand can name an incident when it is not run in the incident channel.
 */
export function splitIncidentReference(rest: string): { number?: number; rest: string } {
  const [first = ""] = rest.trim().split(/\s+/);
  if (/^inc-\d+$/i.test(first)) {
    return { number: parseIncidentReference(first)!, rest: rest.trim().slice(first.length).trim() };
  }
  return { rest: rest.trim() };
}
