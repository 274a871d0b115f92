/**
 * The Events API v2 request body, checked as PagerDuty checks it: every problem is listed in
 * `errors` of a 400 "invalid event" answer.
 * https://developer.pagerduty.com/api-reference/368ae3d938c9e-send-an-event-to-pager-duty
 */

export const eventActions = ["trigger", "acknowledge", "resolve"] as const;
export type EventAction = (typeof eventActions)[number];

export const severities = ["critical", "error", "warning", "info"] as const;
export type Severity = (typeof severities)[number];

export type EventPayload = {
  summary: string;
  source: string;
  severity: Severity;
  timestamp?: string;
  component?: string;
  group?: string;
  class?: string;
  customDetails?: unknown;
};

/** An event that passed validation; the routing key is not yet known to name a service. */
export type ValidEvent = {
  routingKey: string;
  action: EventAction;
  dedupKey?: string;
  /** Present for triggers. */
  payload?: EventPayload;
  links?: unknown[];
  images?: unknown[];
  client?: string;
  clientUrl?: string;
};

export type EventValidation = { ok: true; event: ValidEvent } | { ok: false; errors: string[] };

const routingKeyLength = 32;
const maxDedupKeyLength = 255;
const maxSummaryLength = 1024;

export function validateEvent(body: unknown): EventValidation {
  if (!isObject(body)) return { ok: false, errors: ["Event object must be a JSON object"] };
  const errors: string[] = [];

  const routingKey = body.routing_key;
  if (routingKey === undefined || routingKey === null || routingKey === "") {
    errors.push("'routing_key' is missing or blank");
  } else if (typeof routingKey !== "string") {
    errors.push("'routing_key' must be a string");
  } else if (routingKey.length !== routingKeyLength) {
    errors.push(`Length of 'routing_key' is incorrect (should be ${routingKeyLength} characters)`);
  }

  const action = body.event_action;
  if (action === undefined || action === null || action === "") {
    errors.push("'event_action' is missing or blank");
  } else if (!eventActions.includes(action as EventAction)) {
    errors.push(`'event_action' is invalid (must be one of: ${eventActions.join(", ")})`);
  }

  const dedupKey = body.dedup_key;
  if (dedupKey !== undefined && dedupKey !== null) {
    if (typeof dedupKey !== "string") errors.push("'dedup_key' must be a string");
    else if (dedupKey.length > maxDedupKeyLength) {
      errors.push(`Length of 'dedup_key' is too long (maximum is ${maxDedupKeyLength} characters)`);
    }
  }
  if ((action === "acknowledge" || action === "resolve") && (dedupKey === undefined || dedupKey === null || dedupKey === "")) {
    errors.push("'dedup_key' is missing or blank");
  }

  const payload = action === "trigger" ? checkPayload(body.payload, errors) : undefined;
  checkArray(body.links, "links", errors);
  checkArray(body.images, "images", errors);
  checkOptionalString(body.client, "client", errors);
  checkOptionalString(body.client_url, "client_url", errors);

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    event: {
      routingKey: routingKey as string,
      action: action as EventAction,
      ...(typeof dedupKey === "string" && dedupKey !== "" ? { dedupKey } : {}),
      ...(payload ? { payload } : {}),
      ...(Array.isArray(body.links) ? { links: body.links as unknown[] } : {}),
      ...(Array.isArray(body.images) ? { images: body.images as unknown[] } : {}),
      ...(typeof body.client === "string" ? { client: body.client } : {}),
      ...(typeof body.client_url === "string" ? { clientUrl: body.client_url } : {}),
    },
  };
}

function checkPayload(payload: unknown, errors: string[]): EventPayload | undefined {
  if (payload === undefined || payload === null) {
    errors.push("'payload' is missing or blank");
    return undefined;
  }
  if (!isObject(payload)) {
    errors.push("'payload' must be a JSON object");
    return undefined;
  }
  const before = errors.length;
  const { summary, source, severity, timestamp } = payload;
  if (typeof summary !== "string" || summary.trim() === "") {
    errors.push("'payload.summary' is missing or blank");
  } else if (summary.length > maxSummaryLength) {
    errors.push(`Length of 'payload.summary' is too long (maximum is ${maxSummaryLength} characters)`);
  }
  if (typeof source !== "string" || source.trim() === "") {
    errors.push("'payload.source' is missing or blank");
  }
  if (severity === undefined || severity === null || severity === "") {
    errors.push("'payload.severity' is missing or blank");
  } else if (!severities.includes(severity as Severity)) {
    errors.push(`'payload.severity' is invalid (must be one of: ${severities.join(", ")})`);
  }
  if (timestamp !== undefined && (typeof timestamp !== "string" || Number.isNaN(Date.parse(timestamp)))) {
    errors.push("'payload.timestamp' is not a valid ISO 8601 timestamp");
  }
  for (const field of ["component", "group", "class"] as const) {
    checkOptionalString(payload[field], `payload.${field}`, errors);
  }
  if (errors.length > before) return undefined;
  return {
    summary: summary as string,
    source: source as string,
    severity: severity as Severity,
    ...(typeof timestamp === "string" ? { timestamp } : {}),
    ...(typeof payload.component === "string" ? { component: payload.component } : {}),
    ...(typeof payload.group === "string" ? { group: payload.group } : {}),
    ...(typeof payload.class === "string" ? { class: payload.class } : {}),
    ...(payload.custom_details !== undefined ? { customDetails: payload.custom_details } : {}),
  };
}

function checkOptionalString(value: unknown, name: string, errors: string[]): void {
  if (value !== undefined && value !== null && typeof value !== "string") {
    errors.push(`'${name}' must be a string`);
  }
}

function checkArray(value: unknown, name: string, errors: string[]): void {
  if (value !== undefined && value !== null && !Array.isArray(value)) {
    errors.push(`'${name}' must be an array`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
