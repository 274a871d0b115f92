import { readFileSync } from "node:fs";
import { DateTime } from "luxon";
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

const slackUserId = z
  .string()
  .regex(/^[UW][A-Z0-9]{2,}$/, { message: "expected a Slack user ID such as U0123ABCD" });
const slackUserGroupId = z
  .string()
  .regex(/^S[A-Z0-9]{2,}$/, { message: "expected a Slack user group ID such as S0123ABCD" });
const itemId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, { message: "expected a lowercase id such as confirm-source" });
const localDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, {
    message: "expected local date and time such as 2026-01-05T09:00",
    abort: true,
  })
  .refine((value) => DateTime.fromISO(value).isValid, {
    message: "is not a real date and time (check the day of the month)",
  });
const timeZone = z.string().refine((zone) => isValidTimeZone(zone), {
  message: "expected an IANA time zone such as Europe/London",
});

/** Who is paged at one escalation level, or who fills a role. */
const target = z.union(
  [
    z.object({ rotation: z.string().min(1) }).strict(),
    z.object({ userGroup: slackUserGroupId }).strict(),
    z.object({ users: z.array(slackUserId).min(1) }).strict(),
  ],
  {
    message:
      "expected one of { rotation: primary }, { userGroup: S0123ABCD } or { users: [U0123ABCD] }",
  },
);

export const componentStatuses = [
  "operational",
  "degraded_performance",
  "partial_outage",
  "major_outage",
] as const;
const componentStatus = z.enum(componentStatuses);

const component = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { message: "expected a lowercase id such as api" }),
    name: z.string().min(1).max(60),
    description: z.string().default(""),
  })
  .strict();

const customerNotices = z
  .object({
    companyName: z.string().min(1),
    supportContact: z.string().min(1),
    /** Times in notices are shown in this zone. */
    timezone: timeZone,
    /** The From header of exported and sent notices. */
    from: z.string().min(3),
    /** Roles allowed to approve a notice, besides the IC and the comms lead. */
    approvers: z.array(roleId).default([]),
    /** A notice must be approved this many minutes after declaring (severities that require one). */
    deadlineMinutes: z.number().int().positive().default(10),
  })
  .strict();

const statusPage = z
  .object({
    title: z.string().min(1),
    /** Public URL of the page, used in the feed and the JSON. */
    url: z.string().url().optional(),
  })
  .strict();

const severity = z
  .object({
    description: z.string().min(1),
    /** Minutes between required status updates; null means no reminders. */
    updateCadenceMinutes: z.number().int().positive().nullable(),
    customerNoticeRequired: z.boolean().default(false),
    /** Roles paged when an incident is declared at (or raised to) this severity. */
    page: z.array(roleId).default([]),
    /** What the status page shows for the affected components of a public incident. */
    componentStatus: componentStatus.default("degraded_performance"),
  })
  .strict();

/**
 * `slack` pages by direct message only (the default). `pagerduty` and
 * `opsgenie` also open an incident (an alert) there, once per incident and
 * role, and close it when the incident is resolved (docs/PAGERS.md).
 */
export const pagerNames = ["slack", "pagerduty", "opsgenie"] as const;
const pagerName = z.enum(pagerNames);

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { message: "expected a label name such as service" });

/**
 * One alert route: which alerts it takes (every `match` label equal, every
 * `matchRegex` label matching the whole value), and what becomes of them.
 */
const alertRoute = z
  .object({
    /** Shown in the triage message and the timeline; defaults to the route's position. */
    name: z.string().min(1).max(60).optional(),
    match: z.record(labelName, z.string()).default({}),
    matchRegex: z
      .record(
        labelName,
        z.string().refine((pattern) => isRegExp(pattern), { message: "expected a regular expression" }),
      )
      .default({}),
    severity: severityId,
    /** Free text: the team the alert belongs to, shown in the triage message and the incident. */
    team: z.string().min(1).max(60).optional(),
    /** Status-page component ids the alerts are about (an open incident on one of them takes them). */
    components: z.array(z.string()).default([]),
    /** `declare`: open the incident at once. `triage`: ask a person in the triage channel first. */
    action: z.enum(["declare", "triage"]),
    /** Whose on-call a triage message pages (level 1 of this policy); none by default. */
    escalation: z.string().min(1).optional(),
    /** Declare the incident private (its channel private, nothing public). */
    private: z.boolean().default(false),
  })
  .strict();

const alerts = z
  .object({
    /** Where triage messages go: a channel ID or #name; the announcement channel when unset. */
    triageChannel: z.string().min(2).optional(),
    /** First match wins. Alerts no route takes are triaged at the least severe severity. */
    routes: z.array(alertRoute).default([]),
    /** How long "Snooze" silences a triage message's group. */
    snoozeMinutes: z.number().int().positive().max(24 * 60).default(60),
  })
  .strict();

const role = z
  .object({
    label: z.string().min(1),
    description: z.string().default(""),
    /** The escalation policy used to page this role. */
    escalation: z.string().min(1).optional(),
    /** Where a page for this role goes besides Slack (docs/PAGERS.md); a level's own `pager` wins. */
    pager: pagerName.optional(),
  })
  .strict();

const rotation = z
  .object({
    members: z.array(slackUserId).min(1),
    /** Length of one shift: whole days (handoff at the same local time) or hours. */
    shift: z.union(
      [
        z.object({ days: z.number().int().positive() }).strict(),
        z.object({ hours: z.number().int().positive() }).strict(),
      ],
      { message: "expected { days: N } or { hours: N }" },
    ),
    /** Local start of the first shift (members[0]); later shifts follow on. */
    handoff: localDateTime,
    timezone: timeZone,
    overrides: z
      .array(
        z
          .object({
            user: slackUserId,
            from: localDateTime,
            to: localDateTime,
            reason: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

const escalationPolicy = z
  .object({
    levels: z
      .array(
        z
          .object({
            targets: z.array(target).min(1),
            /** Minutes to wait for an acknowledgement before the next level. */
            delayMinutes: z.number().int().positive(),
            /** Where this level's page goes besides Slack; the role's `pager` otherwise. */
            pager: pagerName.optional(),
          })
          .strict(),
      )
      .min(1),
    /** How many more times all levels are paged again before the fallback. */
    repeat: z.number().int().min(0).max(10).default(0),
    /** After the last repeat: alert the incident channel (@here). */
    fallback: z.enum(["channel", "none"]).default("channel"),
  })
  .strict();

const checklist = z
  .object({
    label: z.string().min(1),
    /** The role nudged when an item is overdue (the IC when nobody holds it). */
    owner: roleId,
    /** Severities this checklist applies to; all when omitted. */
    severities: z.array(severityId).optional(),
    items: z
      .array(
        z
          .object({
            id: itemId,
            text: z.string().min(1).max(150),
            /** Minutes after the declaration. */
            deadlineMinutes: z.number().int().positive(),
          })
          .strict(),
      )
      .min(1)
      .max(10),
  })
  .strict();

const githubLogin = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, {
    message: "expected a GitHub login such as octocat",
  });
const weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;

/** Follow-up work: action items as GitHub issues, the postmortem and the weekly digest. */
const followUps = z
  .object({
    /** Times in postmortems and digests are shown in this zone. */
    timezone: timeZone.default("UTC"),
    /** Slack user → GitHub login, for assignees; people not listed are matched by email. */
    githubUsers: z.record(slackUserId, githubLogin).default({}),
    /** The postmortem is due for review this many days after the incident is resolved. */
    postmortemReviewDays: z.number().int().positive().default(5),
    /** How often open items are compared with GitHub, to catch webhooks that never arrived. */
    reconcileMinutes: z.number().int().positive().default(15),
    /**
     * What a private incident sends to GitHub: `redacted` (a neutral title,
     * no summary, no timeline), `skip` (nothing; items are tracked in Slack
     * only) or `full` (as for a public incident).
     */
    privateIncidents: z.enum(["redacted", "skip", "full"]).default("redacted"),
    /** The weekly digest for managers; no digest when absent. */
    digest: z
      .object({
        /** A channel ID (C…) or a #name. */
        channel: z.string().min(2),
        weekday: z.enum(weekdays).default("monday"),
        time: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: "expected a 24-hour time such as 09:00" })
          .default("09:00"),
      })
      .strict()
      .optional(),
  })
  .strict();

const permissionRoles = z.array(roleId).min(1);

const permissions = z
  .object({
    changeSeverity: permissionRoles.default(["incident_commander"]),
    resolve: permissionRoles.default(["incident_commander"]),
    assignRoles: permissionRoles.default(["incident_commander"]),
    /**
     * Putting words on the public status page (`--public` updates). Defaults
     * to the incident commander and, when the playbook has one, the comms lead.
     */
    publishStatus: permissionRoles.optional(),
    /** People allowed everything, in every incident. */
    admins: z.array(slackUserId).default([]),
  })
  .strict();

const playbookShape = z
  .object({
    version: z.literal(1),
    /** A channel ID (C…) or a #name, resolved once at startup. */
    announcementChannel: z.string().min(2),
    severities: z.record(severityId, severity).refine((s) => Object.keys(s).length > 0, {
      message: "expected at least one severity",
    }),
    roles: z.record(roleId, role).refine((r) => "incident_commander" in r, {
      message: "the incident_commander role must exist",
    }),
    rotations: z
      .record(
        z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]*$/, { message: "expected a lowercase id such as primary" }),
        rotation,
      )
      .default({}),
    escalationPolicies: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, {
          message: "expected a lowercase id such as engineering",
        }),
        escalationPolicy,
      )
      .default({}),
    checklists: z.record(itemId, checklist).default({}),
    /** What the public status page lists; incidents name these by id or name. */
    components: z.array(component).default([]),
    customerNotices: customerNotices.default({
      companyName: "Our company",
      supportContact: "support@example.com",
      timezone: "UTC",
      from: "Status <status@example.com>",
      approvers: [],
      deadlineMinutes: 10,
    }),
    statusPage: statusPage.default({ title: "Service status" }),
    followUps: followUps.default({
      timezone: "UTC",
      githubUsers: {},
      postmortemReviewDays: 5,
      reconcileMinutes: 15,
      privateIncidents: "redacted",
    }),
    /**
     * Pager users who are Slack users: PagerDuty user ids (`PABC123`) and
     * Opsgenie usernames → Slack user ids. Acknowledging on the pager then
     * takes the role in Slack too (docs/PAGERS.md).
     */
    pagerUsers: z.record(z.string().min(1).max(200), slackUserId).default({}),
    /** Alert intake: how monitoring's alerts become incidents (docs/ALERTS.md). */
    alerts: alerts.default({ routes: [], snoozeMinutes: 60 }),
    permissions: permissions.default({
      changeSeverity: ["incident_commander"],
      resolve: ["incident_commander"],
      assignRoles: ["incident_commander"],
      admins: [],
    }),
  })
  .strict();

export const playbook = playbookShape
  .superRefine(checkReferences)
  .transform((book) => ({
    ...book,
    permissions: {
      ...book.permissions,
      publishStatus:
        book.permissions.publishStatus ??
        ["incident_commander", "comms_lead"].filter((role) => role in book.roles),
    },
  }));

export type Playbook = z.infer<typeof playbook>;
export type Target = z.infer<typeof target>;
export type Rotation = z.infer<typeof rotation>;
export type EscalationPolicy = z.infer<typeof escalationPolicy>;
export type Checklist = z.infer<typeof checklist>;
export type Component = z.infer<typeof component>;
export type AlertRoute = z.infer<typeof alertRoute>;
export type PagerName = (typeof pagerNames)[number];
export type ComponentStatus = (typeof componentStatuses)[number];
export type Weekday = (typeof weekdays)[number];
export const permissionNames = ["changeSeverity", "resolve", "assignRoles", "publishStatus"] as const;
export type Permission = (typeof permissionNames)[number];

/** Names used in one place must exist in another: reported with their paths. */
function checkReferences(book: z.infer<typeof playbookShape>, context: z.RefinementCtx): void {
  const problem = (path: PropertyKey[], message: string) =>
    context.addIssue({ code: "custom", path, message });
  const roles = Object.keys(book.roles);
  const knownRole = (role: string) => roles.includes(role);
  const expectedRole = `expected one of the roles: ${roles.join(", ")}`;
  for (const [id, severity] of Object.entries(book.severities)) {
    severity.page.forEach((role, index) => {
      if (!knownRole(role))
        problem(["severities", id, "page", index], `unknown role "${role}"; ${expectedRole}`);
      else if (!book.roles[role]?.escalation)
        problem(
          ["severities", id, "page", index],
          `role "${role}" has no escalation policy, so it cannot be paged; expected a role with roles.${role}.escalation set`,
        );
    });
  }
  for (const [id, role] of Object.entries(book.roles)) {
    if (role.escalation && !(role.escalation in book.escalationPolicies)) {
      problem(
        ["roles", id, "escalation"],
        `unknown escalation policy "${role.escalation}"; expected ${oneOf("escalationPolicies", Object.keys(book.escalationPolicies))}`,
      );
    }
  }
  for (const [id, policy] of Object.entries(book.escalationPolicies)) {
    policy.levels.forEach((level, levelIndex) => {
      level.targets.forEach((target, targetIndex) => {
        if ("rotation" in target && !(target.rotation in book.rotations)) {
          problem(
            ["escalationPolicies", id, "levels", levelIndex, "targets", targetIndex, "rotation"],
            `unknown rotation "${target.rotation}"; expected ${oneOf("rotations", Object.keys(book.rotations))}`,
          );
        }
      });
    });
  }
  for (const [id, list] of Object.entries(book.checklists)) {
    if (!knownRole(list.owner))
      problem(["checklists", id, "owner"], `unknown role "${list.owner}"; ${expectedRole}`);
    list.severities?.forEach((severity, index) => {
      if (!(severity in book.severities))
        problem(
          ["checklists", id, "severities", index],
          `unknown severity "${severity}"; expected ${oneOf("severities", Object.keys(book.severities))}`,
        );
    });
    const seen = new Map<string, number>();
    list.items.forEach((item, index) => {
      const first = seen.get(item.id);
      if (first !== undefined)
        problem(
          ["checklists", id, "items", index, "id"],
          `duplicate item id "${item.id}"; expected an id not used by another item of this checklist (items[${first}] has it)`,
        );
      else seen.set(item.id, index);
    });
  }
  for (const [id, rotationSpec] of Object.entries(book.rotations)) {
    rotationSpec.overrides.forEach((override, index) => {
      if (override.to <= override.from)
        problem(
          ["rotations", id, "overrides", index, "to"],
          `must be after from; expected a time after ${override.from}`,
        );
    });
  }
  book.customerNotices.approvers.forEach((role, index) => {
    if (!knownRole(role)) problem(["customerNotices", "approvers", index], `unknown role "${role}"`);
  });
  const componentIds = new Set<string>();
  book.components.forEach((component, index) => {
    if (componentIds.has(component.id)) problem(["components", index, "id"], `duplicate component id "${component.id}"`);
    componentIds.add(component.id);
  });
  for (const permission of permissionNames) {
    (book.permissions[permission] ?? []).forEach((role, index) => {
      if (!knownRole(role))
        problem(["permissions", permission, index], `unknown role "${role}"; ${expectedRole}`);
    });
  }
  book.alerts.routes.forEach((route, index) => {
    if (!(route.severity in book.severities))
      problem(
        ["alerts", "routes", index, "severity"],
        `unknown severity "${route.severity}"; expected ${oneOf("severities", Object.keys(book.severities))}`,
      );
    if (route.escalation && !(route.escalation in book.escalationPolicies))
      problem(
        ["alerts", "routes", index, "escalation"],
        `unknown escalation policy "${route.escalation}"; expected ${oneOf("escalationPolicies", Object.keys(book.escalationPolicies))}`,
      );
    route.components.forEach((component, componentIndex) => {
      if (!componentIds.has(component))
        problem(
          ["alerts", "routes", index, "components", componentIndex],
          `unknown component "${component}"; expected ${oneOf("components", [...componentIds])}`,
        );
    });
  });
}

/** What a reference may name: the ids defined in one section, or that there are none. */
function oneOf(section: string, ids: string[]): string {
  return ids.length > 0
    ? `one of the ${section}: ${ids.join(", ")}`
    : `one of the ${section}, but none are defined`;
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

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
  const data: unknown = document.toJS();
  const result = playbook.safeParse(data, { error: expectedMessage });
  if (!result.success) {
    throw new PlaybookError(
      file,
      result.error.issues.map(
        (issue) => `${formatPath(issue.path)}: ${issue.message}${foundValue(data, issue)}`,
      ),
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

/** " (found …)" with the offending value, so an error says what was there. */
function foundValue(root: unknown, issue: z.core.$ZodIssue): string {
  // These point at the object holding the bad key, whose value is not what is wrong.
  if (issue.code === "unrecognized_keys" || issue.code === "invalid_key") return "";
  let value: unknown = root;
  for (const key of issue.path) {
    if (value === null || typeof value !== "object") return "";
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  if (value === undefined) return " (missing)";
  const shown = JSON.stringify(value);
  if (!shown || shown.length > 60) return "";
  // `unknown role "ghost"` already says what was found.
  if (typeof value === "string" && issue.message.includes(shown)) return "";
  return ` (found ${shown})`;
}

/**
 * Zod's generic messages ("Invalid input", "Unrecognized key") rewritten as
 * what was expected; messages written into the schema take precedence.
 */
function expectedMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${withArticle(issue.expected === "int" ? "whole number" : issue.expected)}`;
    case "invalid_value":
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}`;
    case "unrecognized_keys": {
      const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def
        ?.shape;
      const known = shape ? `; expected only ${Object.keys(shape).join(", ")}` : "";
      const keys = issue.keys.map((k) => `"${k}"`).join(", ");
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${keys}${known}`;
    }
    case "invalid_key": {
      const why = issue.issues.map((i) => i.message).join("; ");
      return `invalid key ${JSON.stringify(issue.path?.at(-1) ?? "")}: ${why}`;
    }
    case "too_small":
      if (issue.origin === "string") return "expected a non-empty string";
      if (issue.origin === "array")
        return `expected at least ${issue.minimum} item${issue.minimum === 1 ? "" : "s"}`;
      if (issue.origin === "number")
        return `expected a number ${issue.inclusive ? "of at least" : "greater than"} ${issue.minimum}`;
      return undefined;
    case "too_big":
      if (issue.origin === "string") {
        const length = typeof issue.input === "string" ? `, found ${issue.input.length}` : "";
        return `expected at most ${issue.maximum} characters${length}`;
      }
      if (issue.origin === "array") return `expected at most ${issue.maximum} items`;
      if (issue.origin === "number")
        return `expected a number ${issue.inclusive ? "of at most" : "less than"} ${issue.maximum}`;
      return undefined;
    default:
      return undefined;
  }
}

function withArticle(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;
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

/** A role's name for people: the playbook's label, or the id made readable. */
export function roleLabel(playbook: Playbook, role: string): string {
  return playbook.roles[role]?.label ?? role.replaceAll("_", " ");
}

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
