/**
 * The bot's side of an external pager (PagerDuty, Opsgenie): open an alert
 * for one incident and role, acknowledge it, resolve it. Every call names the
 * alert by our own key (PagerDuty's `dedup_key`, Opsgenie's `alias`), so the
 * provider de-duplicates a call repeated after a crash or a lost answer.
 */

export type PagerAction = "trigger" | "acknowledge" | "resolve";

export interface PagerAlertFacts {
  /** `incident-bot:<incident id>:<role>`. */
  dedupKey: string;
  /** What the on-call reads: `INC-7: Checkout is down (Incident commander)`; private incidents name no title. */
  summary: string;
  /** PagerDuty's severity: critical | error | warning | info. */
  severity: "critical" | "error" | "warning" | "info";
  /** Opsgenie's priority, P1 (highest) to P5. */
  priority: "P1" | "P2" | "P3" | "P4" | "P5";
  details: Record<string, string>;
  /** The incident's Slack channel, when it has one. */
  link?: { href: string; text: string };
}

export interface PagerClient {
  readonly provider: "pagerduty" | "opsgenie";
  send(action: PagerAction, alert: PagerAlertFacts): Promise<void>;
}

/** The provider is down, rate-limiting or unreachable: try again later, nothing is lost. */
export class PagerUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "PagerUnavailableError";
  }
}

/** The provider refused the call itself (a bad key, an invalid event): retrying will not help. */
export class PagerRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PagerRejectedError";
  }
}

const requestTimeoutMs = 10_000;

/** One JSON POST; 2xx is success, 429/5xx/network are outages, any other answer a refusal. */
export async function postJson(url: string, body: unknown, headers: Record<string, string>, what: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
  } catch (error) {
    throw new PagerUnavailableError(`${what}: ${(error as Error).message}`);
  }
  const text = await response.text().catch(() => "");
  if (response.ok) return;
  if (response.status === 429 || response.status >= 500) {
    const retryAfter = Number(response.headers.get("retry-after"));
    throw new PagerUnavailableError(`${what}: HTTP ${response.status}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
  }
  // The provider's own explanation, trimmed: it never echoes our key.
  throw new PagerRejectedError(`${what}: HTTP ${response.status} ${text.slice(0, 300)}`);
}
