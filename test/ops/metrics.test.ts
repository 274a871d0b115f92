import { afterEach, describe, expect, it } from "vitest";
import { pagingActionIds } from "../../src/capabilities/paging/views.ts";
import type { GitHubEmulator } from "../../tools/emulators/github/index.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { ManualClock, minutes } from "../support/clock.ts";
import { scrape } from "../support/prometheus-text.ts";
import { addActionItem, declareIncident, postUpdate, startBotWithGitHub, stopBotAndGitHub } from "../support/scenario.ts";

// Monday 23 November 2026, 10:00 in London: alice is primary on call, bob secondary.
const monday = new Date("2026-11-23T10:00:00Z");
// The default METRICS_CACHE_SECONDS: the database summary is reloaded at most this often.
const windowMs = 15_000;

let bot: TestBot | undefined;
let github: GitHubEmulator | undefined;

afterEach(async () => {
  await stopBotAndGitHub(bot, github);
  bot = undefined;
  github = undefined;
});

async function start(env: Record<string, string> = {}): Promise<TestBot> {
  bot = await startTestBot({ label: "metrics", clock: new ManualClock(monday), env });
  return bot;
}

describe("GET /metrics", () => {
  it("answers Prometheus's text format with the bot's metrics, each with HELP and TYPE, and process metrics", async () => {
    const bot = await start();
    const response = await fetch(`${bot.app.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const metrics = await scrape(bot.app.url);
    const families: [string, string][] = [
      ["incident_bot_open_incidents", "gauge"],
      ["incident_bot_pages_sent_total", "counter"],
      ["incident_bot_pages_acknowledged_total", "counter"],
      ["incident_bot_pages_escalated_total", "counter"],
      ["incident_bot_timer_lag_seconds", "histogram"],
      ["incident_bot_timer_runs_total", "counter"],
      ["incident_bot_timers", "gauge"],
      ["incident_bot_timer_oldest_due_age_seconds", "gauge"],
      ["incident_bot_outbox_depth", "gauge"],
      ["incident_bot_outbox_oldest_age_seconds", "gauge"],
      ["incident_bot_outbox_retrying", "gauge"],
      ["incident_bot_slack_api_calls_total", "counter"],
      ["incident_bot_github_api_calls_total", "counter"],
      ["incident_bot_http_request_duration_seconds", "histogram"],
      ["incident_bot_metrics_summary_age_seconds", "gauge"],
      ["incident_bot_metrics_summary_loads_total", "counter"],
      ["incident_bot_process_cpu_seconds_total", "counter"],
      ["incident_bot_process_resident_memory_bytes", "gauge"],
      ["incident_bot_nodejs_eventloop_lag_seconds", "gauge"],
    ];
    for (const [name, type] of families) {
      expect(metrics.types.get(name), name).toBe(type);
      expect(metrics.help.get(name), name).toBeTruthy();
    }
    // Every bot metric carries the prefix.
    for (const name of metrics.types.keys()) expect(name).toMatch(/^incident_bot_/);
    // Empty, but there: every severity × open status is 0, the Slack outbox is empty.
    expect(metrics.all("incident_bot_open_incidents")).toHaveLength(4 * 3);
    expect(metrics.all("incident_bot_open_incidents").every((sample) => sample.value === 0)).toBe(true);
    expect(metrics.value("incident_bot_outbox_depth", { outbox: "slack" })).toBe(0);
    expect(metrics.value("incident_bot_outbox_oldest_age_seconds", { outbox: "slack" })).toBe(0);
    // Slack's auth.test at startup went through the interactive gateway.
    expect(metrics.value("incident_bot_slack_api_calls_total", { client: "interactive", method: "auth.test", outcome: "ok" })).toBe(1);
  });

  it("counts real work: pages sent on a SEV1, escalations, an acknowledgement; open incidents; timer lag; Slack calls", async () => {
    const bot = await start();
    const before = await scrape(bot.app.url);
    expect(before.value("incident_bot_pages_sent_total")).toBe(0);

    const incident = await declareIncident(bot, "sev1 Checkout API returning 500s", { userId: "U0BOB" });
    await bot.advance(windowMs);
    let metrics = await scrape(bot.app.url);
    // Tech lead (alice), comms lead (carol), exec sponsor (dave).
    expect(metrics.value("incident_bot_pages_sent_total")).toBe(3);
    expect(metrics.value("incident_bot_pages_escalated_total")).toBe(0);
    expect(metrics.value("incident_bot_open_incidents", { severity: "SEV1", status: "investigating" })).toBe(1);
    expect(metrics.value("incident_bot_open_incidents", { severity: "SEV2", status: "investigating" })).toBe(0);
    expect(metrics.value("incident_bot_slack_api_calls_total", { client: "interactive", method: "conversations.create", outcome: "ok" })).toBe(1);
    // The page DMs went out through the outbox's delivery client, each delivery timer observed.
    expect(metrics.value("incident_bot_slack_api_calls_total", { client: "delivery", method: "chat.postMessage", outcome: "ok" })).toBeGreaterThanOrEqual(3);
    expect(metrics.value("incident_bot_timer_lag_seconds_count", { kind: "slack.deliver" })).toBeGreaterThanOrEqual(3);
    expect(metrics.value("incident_bot_timer_runs_total", { kind: "page.escalate", outcome: "rescheduled" })).toBe(3);
    expect(metrics.value("incident_bot_outbox_depth", { outbox: "slack" })).toBe(0);
    // Private details never appear: not the title, not the channel.
    const body = await (await fetch(`${bot.app.url}/metrics`)).text();
    expect(body).not.toContain("Checkout");
    expect(body).not.toContain(incident.channelId!);

    // Nobody acknowledges for 5 minutes: level 2 of each policy.
    await bot.advance(minutes(5));
    metrics = await scrape(bot.app.url);
    expect(metrics.value("incident_bot_pages_escalated_total")).toBeGreaterThan(0);
    const sentAfterEscalation = metrics.value("incident_bot_pages_sent_total")!;
    expect(sentAfterEscalation).toBeGreaterThan(3);
    expect(metrics.value("incident_bot_pages_acknowledged_total")).toBe(0);

    const page = await bot.app.db.prisma.page.findFirstOrThrow({ where: { role: "tech_lead", userId: "U0ALICE" } });
    await bot.send.blockAction(
      { action_id: pagingActionIds.acknowledge, value: page.id },
      { userId: "U0ALICE", channelId: bot.emulator.world.dmWith("U0ALICE")!.id },
    );
    await bot.settle();
    metrics = await scrape(bot.app.url);
    expect(metrics.value("incident_bot_pages_acknowledged_total")).toBe(1);
    // Acknowledging again is refused and counts nothing.
    await bot.send.blockAction(
      { action_id: pagingActionIds.acknowledge, value: page.id },
      { userId: "U0ALICE", channelId: bot.emulator.world.dmWith("U0ALICE")!.id },
    );
    await bot.settle();
    expect((await scrape(bot.app.url)).value("incident_bot_pages_acknowledged_total")).toBe(1);
  });

  it("counts a Slack 429 as rate_limited, and shows a failing delivery as retrying in the Slack outbox", async () => {
    const bot = await start();
    const incident = await declareIncident(bot, "sev3 Search is slow");

    bot.emulator.faults.add({ method: "chat.postMessage", kind: "rate_limited", retryAfterSeconds: 2, times: 1 });
    await postUpdate(bot, incident, "identified A bad index");
    let metrics = await scrape(bot.app.url);
    expect(metrics.value("incident_bot_slack_api_calls_total", { client: "delivery", method: "chat.postMessage", outcome: "rate_limited" })).toBe(1);
    expect(metrics.value("incident_bot_timer_runs_total", { kind: "slack.deliver", outcome: "deferred" })).toBeGreaterThanOrEqual(1);

    // Slack answers 500 from now on: the next post stays in the outbox, retrying.
    bot.emulator.faults.add({ method: "chat.postMessage", kind: "server_error" });
    await postUpdate(bot, incident, "monitoring Index rebuilt");
    await bot.advance(windowMs);
    metrics = await scrape(bot.app.url);
    expect(metrics.value("incident_bot_slack_api_calls_total", { client: "delivery", method: "chat.postMessage", outcome: "server_error" })).toBeGreaterThanOrEqual(1);
    expect(metrics.value("incident_bot_outbox_depth", { outbox: "slack" })).toBeGreaterThanOrEqual(1);
    expect(metrics.value("incident_bot_outbox_retrying", { outbox: "slack" })).toBeGreaterThanOrEqual(1);
    expect(metrics.value("incident_bot_timers", { kind: "slack.deliver", state: "retrying" })).toBeGreaterThanOrEqual(1);
    const age = metrics.value("incident_bot_outbox_oldest_age_seconds", { outbox: "slack" })!;
    expect(age).toBeGreaterThanOrEqual(windowMs / 1000);
    // The age is computed at scrape time: it grows with the clock even within one cached summary.
    bot.clock.advance(5_000);
    expect((await scrape(bot.app.url)).value("incident_bot_outbox_oldest_age_seconds", { outbox: "slack" })).toBe(age + 5);
  });

  it("reads the database once per window, however many scrapes arrive (counted, not timed)", async () => {
    const bot = await start();
    const loads = async () => (await scrape(bot.app.url)).value("incident_bot_metrics_summary_loads_total", { outcome: "ok" });
    expect(await loads()).toBe(1);
    // 30 scrapes in a row and 20 at once, all within the window: still the one load.
    for (let index = 0; index < 30; index++) await fetch(`${bot.app.url}/metrics`).then((response) => response.text());
    await Promise.all(Array.from({ length: 20 }, () => fetch(`${bot.app.url}/metrics`).then((response) => response.text())));
    expect(await loads()).toBe(1);
    // A declaration inside the window is not seen yet: the scrape serves the cached summary.
    await declareIncident(bot, "sev2 Payments delayed");
    expect((await scrape(bot.app.url)).value("incident_bot_open_incidents", { severity: "SEV2", status: "investigating" })).toBe(0);
    // Once the window has passed, the next scrape loads again, once.
    bot.clock.advance(windowMs);
    await Promise.all(Array.from({ length: 10 }, () => fetch(`${bot.app.url}/metrics`).then((response) => response.text())));
    const metrics = await scrape(bot.app.url);
    expect(metrics.value("incident_bot_metrics_summary_loads_total", { outcome: "ok" })).toBe(2);
    expect(metrics.value("incident_bot_open_incidents", { severity: "SEV2", status: "investigating" })).toBe(1);
  });

  it("labels HTTP requests by known route, and everything else as other, never the raw path", async () => {
    const bot = await start();
    for (const path of ["/wp-admin/setup.php", "/x7f3a9", "/status/../../etc/passwd", "/healthz?probe=1"]) {
      await fetch(`${bot.app.url}${path}`).then((response) => response.text());
    }
    await fetch(`${bot.app.url}/healthz`, { method: "POST" }).then((response) => response.text());
    const metrics = await scrape(bot.app.url);
    const routes = new Set(metrics.all("incident_bot_http_request_duration_seconds_count").map((sample) => sample.labels.route));
    expect(routes).toContain("other");
    expect(routes).toContain("/healthz");
    for (const route of routes) expect(["other", "/healthz", "/metrics", "/readyz", "/slack/events", "/status"]).toContain(route);
    expect(metrics.value("incident_bot_http_request_duration_seconds_count", { route: "other", method: "GET", code: "404" })).toBe(3);
    expect(metrics.value("incident_bot_http_request_duration_seconds_count", { route: "/healthz", method: "GET", code: "200" })).toBe(1);
    expect(metrics.value("incident_bot_http_request_duration_seconds_count", { route: "/healthz", method: "POST", code: "405" })).toBe(1);
    const body = await (await fetch(`${bot.app.url}/metrics`)).text();
    expect(body).not.toContain("wp-admin");
    expect(body).not.toContain("x7f3a9");
  });

  it("wants the bearer token when METRICS_TOKEN is set", async () => {
    const bot = await start({ METRICS_TOKEN: "scrape-secret" });
    expect((await fetch(`${bot.app.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${bot.app.url}/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const metrics = await scrape(bot.app.url, { authorization: "Bearer scrape-secret" });
    expect(metrics.value("incident_bot_metrics_summary_loads_total", { outcome: "ok" })).toBe(1);
  });

  it("counts GitHub calls by route template and outcome, and shows the GitHub outbox", async () => {
    ({ bot, github } = await startBotWithGitHub({ label: "metrics-github", clock: new ManualClock(monday) }));
    const incident = await declareIncident(bot, "sev3 Search is slow");
    await addActionItem(bot, incident, "Add an index on orders.created_at");
    let metrics = await scrape(bot.app.url);
    expect(metrics.value("incident_bot_github_api_calls_total", { route: "POST /repos/{owner}/{repo}/issues", outcome: "ok" })).toBe(1);
    expect(metrics.value("incident_bot_outbox_depth", { outbox: "github" })).toBe(0);

    github.faults.add({ route: "POST /repos/:owner/:repo/issues", kind: "server_error", status: 503 });
    await addActionItem(bot, incident, "Alert on slow searches");
    await bot.advance(windowMs);
    metrics = await scrape(bot.app.url);
    expect(metrics.value("incident_bot_github_api_calls_total", { route: "POST /repos/{owner}/{repo}/issues", outcome: "server_error" })).toBeGreaterThanOrEqual(1);
    expect(metrics.value("incident_bot_outbox_depth", { outbox: "github" })).toBe(1);
    expect(metrics.value("incident_bot_outbox_oldest_age_seconds", { outbox: "github" })).toBeGreaterThanOrEqual(windowMs / 1000);
    // Routes are templates: no owner, repository or issue number in any label.
    const body = await (await fetch(`${bot.app.url}/metrics`)).text();
    expect(body).not.toContain("acme/ops");
  });
});
