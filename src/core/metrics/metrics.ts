import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Clock } from "../clock.ts";
import type { Logger } from "../logging.ts";
import { CachedSummary } from "./cached-summary.ts";

/**
 * The bot's Prometheus metrics (docs/METRICS.md lists them all). One registry
 * per app, never prom-client's global one, so two apps in one process (the
 * tests) do not collide.
 *
 * Counters and histograms are moved by the code that does the work (the
 * timer engine, the Slack gateways, the GitHub client, the HTTP server,
 * paging). Everything read from the database (open incidents, timers, the
 * outboxes) comes from one cached summary: one query set per window, shared by
 * every scrape (see CachedSummary), so /metrics cannot be used to load the
 * database. Ages are computed at scrape time from the cached timestamps.
 *
 * Label values are bounded: timer kinds are the registered ones (else
 * "other"), Slack methods and GitHub routes are fixed strings of our own
 * code, HTTP routes are the known paths (else "other"). No incident title,
 * channel, user or id is ever a label.
 */

/** What a call to Slack or GitHub came to. */
export type ApiOutcome =
  | "ok"
  /** 429, or GitHub's 403 with a spent quota. */
  | "rate_limited"
  /** 5xx. */
  | "server_error"
  /** No answer: connection refused or reset, timeout. */
  | "unreachable"
  /** GitHub 404/410 (often an expected answer: "no such issue"). */
  | "not_found"
  /** Any other error answer (Slack `ok: false`, GitHub 4xx). */
  | "error";

export type SlackClientName = "interactive" | "delivery";

/** One timer kind's rows, as the timer engine's summary query counts them. */
export interface TimerKindSummary {
  kind: string;
  /** Waiting to run, due or not (includes `due`). */
  pending: number;
  /** Pending and due now. */
  due: number;
  running: number;
  /** Failed for good (after the last attempt). */
  failed: number;
  /** Pending again after an attempt that failed (retrying with backoff). */
  retrying: number;
  /** The earliest due time among the due ones. */
  oldestDueAt: Date | null;
  /** The earliest time a still pending or running row was queued. */
  oldestQueuedAt: Date | null;
}

export interface OpenIncidentCount {
  severity: string;
  status: string;
  count: number;
}

/** Everything /metrics reads from the database, loaded as one set. */
export interface DatabaseSummary {
  timers: TimerKindSummary[];
  openIncidents: OpenIncidentCount[];
}

export interface MetricsOptions {
  clock: Clock;
  log: Logger;
  /** The database summary is loaded at most once per this many seconds. */
  summaryWindowSeconds: number;
  /** Severities and open statuses shown with 0 when no incident has them, so queries see 0, not nothing. */
  incidentLabels?: { severities: readonly string[]; openStatuses: readonly string[] };
}

const knownHttpMethods = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const slackMethodPattern = /^[a-zA-Z][a-zA-Z0-9.]{0,59}$/;
const githubRoutePattern = /^[A-Z]{3,7} \/[a-zA-Z0-9_{}/.-]{0,120}$/;

export class Metrics {
  readonly registry = new Registry();
  readonly summaryWindowSeconds: number;
  readonly pages: { sent: Counter; acknowledged: Counter; escalated: Counter };
  private readonly timerLag: Histogram<"kind">;
  private readonly timerRuns: Counter<"kind" | "outcome">;
  private readonly slackCalls: Counter<"client" | "method" | "outcome">;
  private readonly githubCalls: Counter<"route" | "outcome">;
  private readonly httpDuration: Histogram<"route" | "method" | "code">;
  private readonly outboxes = new Map<string, readonly string[]>();
  private readonly summary: CachedSummary<DatabaseSummary>;
  private loader: ((now: Date) => Promise<DatabaseSummary>) | undefined;

  constructor(private readonly options: MetricsOptions) {
    this.summaryWindowSeconds = options.summaryWindowSeconds;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "incident_bot_" });

    this.summary = new CachedSummary((now) => this.loadSummary(now), {
      clock: options.clock,
      windowMs: options.summaryWindowSeconds * 1000,
      // A scrape waits this long for a due refresh, then answers with what it has.
      maxWaitMs: 2_000,
      onError: (error) => options.log.warn({ err: error }, "metrics summary query failed; serving the previous values"),
    });

    this.pages = {
      sent: new Counter({ name: "incident_bot_pages_sent_total", help: "Page DMs queued to people (first pages and escalations).", registers }),
      acknowledged: new Counter({ name: "incident_bot_pages_acknowledged_total", help: "Pages acknowledged.", registers }),
      escalated: new Counter({
        name: "incident_bot_pages_escalated_total",
        help: "Escalation steps past a role's first level that paged someone.",
        registers,
      }),
    };
    this.timerLag = new Histogram({
      name: "incident_bot_timer_lag_seconds",
      help: "From a timer's due time to the start of its run.",
      labelNames: ["kind"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.timerRuns = new Counter({
      name: "incident_bot_timer_runs_total",
      help: "Timer runs by outcome: done, rescheduled, deferred, retried, failed (for good), lease_lost.",
      labelNames: ["kind", "outcome"],
      registers,
    });
    this.slackCalls = new Counter({
      name: "incident_bot_slack_api_calls_total",
      help: "Slack Web API calls by client (interactive, delivery), method and outcome.",
      labelNames: ["client", "method", "outcome"],
      registers,
    });
    this.githubCalls = new Counter({
      name: "incident_bot_github_api_calls_total",
      help: "GitHub REST calls by route template and outcome (after the client's own retries).",
      labelNames: ["route", "outcome"],
      registers,
    });
    this.httpDuration = new Histogram({
      name: "incident_bot_http_request_duration_seconds",
      help: "HTTP requests served, by route (known paths, else other), method and status code.",
      labelNames: ["route", "method", "code"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });

    this.defineSummaryGauges(registers);
  }

  /** Where the database summary comes from (the composition root wires the queries). */
  setSummaryLoader(loader: (now: Date) => Promise<DatabaseSummary>): void {
    this.loader = loader;
  }

  /** Names an outbox: the timer kinds that carry its deliveries. */
  registerOutbox(name: string, kinds: readonly string[]): void {
    this.outboxes.set(name, kinds);
  }

  observeTimerRun(kind: string, lagSeconds: number, outcome: string): void {
    this.timerLag.observe({ kind }, Math.max(0, lagSeconds));
    this.timerRuns.inc({ kind, outcome: outcome === "leaseLost" ? "lease_lost" : outcome });
  }

  countSlackCall(client: SlackClientName, method: string, outcome: ApiOutcome): void {
    this.slackCalls.inc({ client, method: slackMethodPattern.test(method) ? method : "other", outcome });
  }

  countGitHubCall(route: string, outcome: ApiOutcome): void {
    this.githubCalls.inc({ route: githubRoutePattern.test(route) ? route : "other", outcome });
  }

  observeHttpRequest(route: string, method: string, code: number, seconds: number): void {
    this.httpDuration.observe(
      { route, method: knownHttpMethods.has(method) ? method : "other", code: String(code) },
      seconds,
    );
  }

  /** The text exposition, with the database summary refreshed first if its window has passed. */
  async render(): Promise<{ contentType: string; body: string }> {
    await this.summary.get();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async loadSummary(now: Date): Promise<DatabaseSummary> {
    if (!this.loader) return { timers: [], openIncidents: [] };
    return this.loader(now);
  }

  private defineSummaryGauges(registers: Registry[]): void {
    // Each collect() runs at scrape time over the cached summary: no query here.
    const cached = () => this.summary.current;
    const secondsSince = (at: Date | null) =>
      at ? Math.max(0, (this.options.clock.now().getTime() - at.getTime()) / 1000) : 0;
    const incidentLabels = this.options.incidentLabels;
    const outboxes = this.outboxes;
    const summary = this.summary;
    const clock = this.options.clock;

    new Gauge({
      name: "incident_bot_open_incidents",
      help: "Incidents not resolved, by severity and status.",
      labelNames: ["severity", "status"],
      registers,
      collect() {
        this.reset();
        for (const severity of incidentLabels?.severities ?? [])
          for (const status of incidentLabels?.openStatuses ?? []) this.set({ severity, status }, 0);
        for (const row of cached()?.openIncidents ?? []) this.set({ severity: row.severity, status: row.status }, row.count);
      },
    });
    new Gauge({
      name: "incident_bot_timers",
      help: "Timers by kind and state: pending (all waiting), due (pending and due now), running, failed (for good), retrying (pending after a failed attempt).",
      labelNames: ["kind", "state"],
      registers,
      collect() {
        this.reset();
        for (const row of cached()?.timers ?? []) {
          for (const state of ["pending", "due", "running", "failed", "retrying"] as const) {
            this.set({ kind: row.kind, state }, row[state]);
          }
        }
      },
    });
    new Gauge({
      name: "incident_bot_timer_oldest_due_age_seconds",
      help: "How long the oldest due timer of each kind has waited past its due time (0: none waiting).",
      labelNames: ["kind"],
      registers,
      collect() {
        this.reset();
        for (const row of cached()?.timers ?? []) this.set({ kind: row.kind }, secondsSince(row.oldestDueAt));
      },
    });
    const perOutbox = (pick: (rows: TimerKindSummary[]) => number) => {
      const result = new Map<string, number>();
      for (const [name, kinds] of outboxes) {
        result.set(name, pick((cached()?.timers ?? []).filter((row) => kinds.includes(row.kind))));
      }
      return result;
    };
    new Gauge({
      name: "incident_bot_outbox_depth",
      help: "Deliveries waiting or in flight, per outbox (slack: posts and DMs; github: issues and issue state).",
      labelNames: ["outbox"],
      registers,
      collect() {
        this.reset();
        for (const [outbox, value] of perOutbox((rows) => rows.reduce((sum, row) => sum + row.pending + row.running, 0)))
          this.set({ outbox }, value);
      },
    });
    new Gauge({
      name: "incident_bot_outbox_oldest_age_seconds",
      help: "Age of the oldest delivery still waiting or in flight, per outbox (0: empty).",
      labelNames: ["outbox"],
      registers,
      collect() {
        this.reset();
        for (const [outbox, value] of perOutbox((rows) => {
          const times = rows.map((row) => row.oldestQueuedAt).filter((at): at is Date => at !== null);
          return times.length === 0 ? 0 : secondsSince(new Date(Math.min(...times.map((at) => at.getTime()))));
        }))
          this.set({ outbox }, value);
      },
    });
    new Gauge({
      name: "incident_bot_outbox_retrying",
      help: "Deliveries waiting for a retry after a failed attempt (not rate-limit waits), per outbox.",
      labelNames: ["outbox"],
      registers,
      collect() {
        this.reset();
        for (const [outbox, value] of perOutbox((rows) => rows.reduce((sum, row) => sum + row.retrying, 0)))
          this.set({ outbox }, value);
      },
    });
    new Gauge({
      name: "incident_bot_metrics_summary_age_seconds",
      help: "Age of the cached database summary the gauges above come from (-1: not loaded yet).",
      registers,
      collect() {
        const at = summary.loadedAt;
        this.set(at === undefined ? -1 : Math.max(0, (clock.now().getTime() - at) / 1000));
      },
    });
    new Counter({
      name: "incident_bot_metrics_summary_loads_total",
      help: "Database summary loads (one query set each), by outcome.",
      labelNames: ["outcome"],
      registers,
      collect() {
        this.reset();
        this.inc({ outcome: "ok" }, summary.loads.ok);
        this.inc({ outcome: "error" }, summary.loads.error);
      },
    });
  }
}
