import { createHash } from "node:crypto";
import { z } from "zod";
import { formatPath } from "../../../core/config/playbook.ts";
import { err, ok, type Result } from "../../../core/result.ts";
import { withoutControlCharacters } from "../../../core/text.ts";
import type { AlertBatch, AlertSource, AlertStatus } from "./types.ts";

/**
 * Schema pieces and helpers shared by the three parsers: limits, label sets,
 * timestamps, links, titles and stable hashes.
 */

/** One webhook may carry at most this many alerts (Alertmanager's `max_alerts` can keep a sender under it). */
export const maxAlertsPerBatch = 1000;
/** A label or annotation name or value may be at most this many UTF-8 bytes. */
export const maxTextBytes = 4096;
/** The batch title, as shown in Slack and stored on an incident. */
export const maxTitleLength = 150;
// A response names at most this many problems, so a payload with 1000 bad alerts gets a short answer.
const maxReportedProblems = 5;
const maxProblemLength = 300;

export const alertStatus = z.enum(["firing", "resolved"]);

/** Alertmanager's and Grafana's fingerprints are 16 hex digits; the bound only keeps a hostile one small. */
export const fingerprint = z.string().min(1).max(128);

const boundedText = z
  .string()
  .refine((text) => Buffer.byteLength(text, "utf8") <= maxTextBytes, {
    message: `expected at most ${maxTextBytes} bytes (4 KiB)`,
    abort: true,
  })
  // PostgreSQL cannot store NUL in text; no real label holds one.
  .refine((text) => !text.includes("\u0000"), { message: "must not contain a NUL character" });

/** Labels or annotations: names and values are strings of at most 4 KiB. */
export const textMap = z.record(boundedText, boundedText);

/**
 * A map the Go senders may encode as `null` (a nil map) or leave out: both
 * mean empty.
 */
export const optionalTextMap = textMap.nullish().transform((map) => map ?? {});

// RFC 3339 as Go's time.Time marshals it: fractional seconds of any length, Z or an offset.
const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * A timestamp as the senders write it. Go's zero time (year 1, what a firing
 * alert's endsAt holds) and the empty string mean "not set".
 */
export const optionalTimestamp = z
  .string()
  .nullish()
  .transform((text, context): Date | null => {
    if (text === undefined || text === null || text === "") return null;
    const parts = rfc3339.exec(text);
    const date = parts ? parseRfc3339(parts) : undefined;
    if (!date) {
      context.issues.push({
        code: "custom",
        input: text,
        message: "expected an RFC 3339 time such as 2026-01-05T09:00:00Z",
      });
      return z.NEVER;
    }
    return date.getUTCFullYear() <= 1 ? null : date;
  });

function parseRfc3339(parts: RegExpExecArray): Date | undefined {
  const [, year, month, day, hour, minute, second, fraction = "", zone = "Z"] = parts;
  // JavaScript dates hold milliseconds; Go writes up to nanoseconds, which Date.parse does not promise to read.
  const milliseconds = fraction.slice(1, 4).padEnd(3, "0");
  const normalized = `${year}-${month}-${day}T${hour}:${minute}:${second}.${milliseconds}${zone.toUpperCase()}`;
  const date = new Date(normalized);
  if (Number.isNaN(date.getTime())) return undefined;
  // new Date() rolls 2026-02-30 over to March; a real sender never writes such a day.
  const [checkYear, checkMonth, checkDay] = [Number(year), Number(month), Number(day)];
  const calendar = new Date(Date.UTC(checkYear, checkMonth - 1, checkDay));
  calendar.setUTCFullYear(checkYear);
  if (calendar.getUTCMonth() !== checkMonth - 1 || calendar.getUTCDate() !== checkDay) return undefined;
  return date;
}

/**
 * A link from a monitoring system (generatorURL, externalURL). Only http and
 * https survive: anything else (an empty string, a relative path, a
 * `javascript:` URL) becomes null rather than failing the alerts, because a
 * missing link must never cost an incident.
 */
export const optionalLink = z
  .string()
  .nullish()
  .transform((text) => (text ? httpUrlOrNull(text) : null));

export function httpUrlOrNull(text: string): string | null {
  if (Buffer.byteLength(text, "utf8") > maxTextBytes) return null;
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * An array of at most 1000 alerts. The length is checked before any element
 * is parsed, so an oversized payload costs nothing to refuse.
 */
export function alertList<T extends z.ZodType>(alert: T) {
  return z
    .array(z.unknown())
    .min(1, { message: "expected at least 1 alert" })
    .max(maxAlertsPerBatch, {
      message: `expected at most ${maxAlertsPerBatch} alerts; configure the sender to send fewer per request (Alertmanager: max_alerts)`,
    })
    .pipe(z.array(alert));
}

/** Parses with a schema and turns zod's issues into one message naming each path. */
export function parseWith<T>(schema: z.ZodType<T>, body: unknown): Result<T> {
  const result = schema.safeParse(body, { error: expectedMessage });
  if (result.success) return ok(result.data);
  const issues = result.error.issues;
  const shown = issues
    .slice(0, maxReportedProblems)
    .map((issue) => truncate(`${formatPath(issue.path.map(shortName))}: ${issue.message}`, maxProblemLength));
  const more = issues.length - shown.length;
  if (more > 0) shown.push(`and ${more} more problem${more === 1 ? "" : "s"}`);
  return err(shown.join("; "));
}

// A 4 KiB label name in a path would push the message itself out of the answer.
function shortName(part: PropertyKey): PropertyKey {
  return typeof part === "string" ? truncate(part, 40) : part;
}

/** Zod's generic messages rewritten as what was expected; messages written into the schemas take precedence. */
function expectedMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type": {
      const expected = typeNames[issue.expected] ?? issue.expected;
      return issue.input === undefined ? `required, expected ${expected}` : `expected ${expected}`;
    }
    case "invalid_value": {
      const expected = issue.values.map((value) => JSON.stringify(value)).join(" or ");
      return issue.input === undefined ? `required, expected ${expected}` : `expected ${expected}`;
    }
    case "invalid_key":
      return `invalid name: ${issue.issues.map((inner) => inner.message).join("; ")}`;
    case "too_small":
      if (issue.origin === "string") return "expected a non-empty string";
      if (issue.origin === "number") return `expected a number of at least ${issue.minimum}`;
      return undefined;
    case "too_big":
      if (issue.origin === "string") return `expected at most ${issue.maximum} characters`;
      return undefined;
    default:
      return undefined;
  }
}

const typeNames: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "an object",
  record: "an object",
  array: "an array",
};

/** Labels every alert has with the same value (Alertmanager's commonLabels, for senders that do not send them). */
export function sharedEntries(maps: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  return Object.fromEntries(
    Object.entries(first).filter(([name, value]) => rest.every((map) => map[name] === value)),
  );
}

/**
 * A stable hash of a label set: the same labels in any order give the same
 * 16 hex digits (the length of Alertmanager's own fingerprints).
 */
export function hashLabels(labels: Record<string, string>): string {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256").update(JSON.stringify(sorted)).digest("hex").slice(0, 16);
}

/** Firing while any alert fires, as Alertmanager decides a group's status. */
export function batchStatus(alerts: readonly { status: AlertStatus }[]): AlertStatus {
  return alerts.some((alert) => alert.status === "firing") ? "firing" : "resolved";
}

const sourceNames: Record<AlertSource, string> = {
  alertmanager: "Alertmanager",
  grafana: "Grafana",
  generic: "Monitoring",
};

/**
 * The group's one-line title: an explicit title, else the common summary,
 * else the alert name with the other group labels ("HighErrorRate
 * (service=api, env=prod)"). Plain text on one line; whoever renders it
 * escapes it for Slack.
 */
export function titleFor(options: {
  source: AlertSource;
  explicitTitle?: string | undefined;
  commonAnnotations: Record<string, string>;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
}): string {
  const given = oneLine(options.explicitTitle ?? "") || oneLine(options.commonAnnotations.summary ?? "");
  if (given) return truncate(given, maxTitleLength);
  const name = oneLine(options.groupLabels.alertname ?? options.commonLabels.alertname ?? "");
  const others = Object.entries(options.groupLabels)
    .filter(([label]) => label !== "alertname")
    .map(([label, value]) => `${label}=${oneLine(value)}`);
  const head = name || `${sourceNames[options.source]} alert`;
  return truncate(others.length > 0 ? `${head} (${others.join(", ")})` : head, maxTitleLength);
}

function oneLine(text: string): string {
  return withoutControlCharacters(text).replace(/\s+/g, " ").trim();
}

function truncate(text: string, length: number): string {
  const characters = Array.from(text);
  return characters.length <= length ? text : `${characters.slice(0, length - 1).join("")}…`;
}

/** What Alertmanager's webhook and Grafana's (which copies its shape) have in common, once parsed. */
export interface GroupNotification {
  groupKey: string;
  status: AlertStatus;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string | null;
  alerts: {
    fingerprint: string;
    status: AlertStatus;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: Date | null;
    endsAt: Date | null;
    generatorURL: string | null;
  }[];
}

/** The batch of one Alertmanager or Grafana group notification. */
export function batchFromGroupNotification(source: "alertmanager" | "grafana", message: GroupNotification): AlertBatch {
  return {
    source,
    groupKey: message.groupKey,
    status: message.status,
    groupLabels: message.groupLabels,
    commonLabels: message.commonLabels,
    commonAnnotations: message.commonAnnotations,
    externalUrl: message.externalURL,
    alerts: message.alerts.map((alert) => ({
      fingerprint: alert.fingerprint,
      status: alert.status,
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
      generatorUrl: alert.generatorURL,
    })),
    title: titleFor({
      source,
      commonAnnotations: message.commonAnnotations,
      groupLabels: message.groupLabels,
      commonLabels: message.commonLabels,
    }),
  };
}
