import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { type PagerDutyEmulator, startPagerDutyEmulator } from "../tools/emulators/pagerduty/index.ts";
import { type SlackEmulator, startSlackEmulator } from "../tools/emulators/slack/index.ts";
import { SlackRequestSender } from "../tools/emulators/slack/signed-requests.ts";
import { spawnNode } from "./processes/spawn.ts";
import { botNodeArgs, buildOnce, freshPostgresSchema, playbookFile, round, summarize, tempDir } from "./support.ts";

/**
 * Time to first customer notice (issue #13): the whole chain, from monitoring
 * to an approved notice, against the emulators, with the built bot in its own
 * process on PostgreSQL:
 *
 *   1. Alertmanager fires: its webhook (version 4) is posted to /alerts/alertmanager;
 *   2. the incident is declared (by the monitor): its channel exists;
 *   3. pages go out: the Slack DMs, and one PagerDuty incident for the IC;
 *   4. the IC acknowledges in PagerDuty (a person in the emulator's app);
 *      the signed webhook comes back and the IC takes the role in Slack;
 *   5. the notice drafted at declaration waits in the channel with Approve;
 *      the IC presses Approve once.
 *
 * Each step is timed from the webhook (bot time: the emulators answer at
 * once, and the bench plays the people without delay). The human actions the
 * chain needs are counted: the acknowledgement in PagerDuty and the click on
 * Approve.
 */

const signingSecret = "bench-first-notice-secret";
const alertsToken = "bench-alerts-token";
const pagerDutySecret = "bench-pagerduty-webhook-secret";
const icOnPagerDuty = "PALICE1";
const icInSlack = "U0ALICE";

export interface FirstNoticeRun {
  declaredMs: number;
  pagedSlackMs: number;
  pagedPagerDutyMs: number;
  /** From the acknowledgement in PagerDuty to the bot's answer to its webhook: the role is taken (committed). */
  ackToRoleMs: number;
  /** From the acknowledgement to the bot's note in the channel (behind the channel's earlier posts, one a second). */
  ackToNoteMs: number;
  draftedMs: number;
  /** From the click on Approve to the approved notice in the channel. */
  approveToApprovedMs: number;
  clicksToApprove: number;
}

export interface FirstNoticeResult {
  runs: FirstNoticeRun[];
  humanActions: string[];
}

export async function measureFirstNotice(options: { runs: number }): Promise<FirstNoticeResult> {
  buildOnce();
  const slack = await startSlackEmulator();
  const pagerduty = await startPagerDutyEmulator();
  const schema = await freshPostgresSchema("first_notice");
  const directory = tempDir("first-notice");
  const playbook = join(directory, "playbook.yml");
  writeFileSync(playbook, benchPlaybook());
  // The notice templates are read from beside the playbook.
  cpSync(join(dirname(playbookFile), "notices"), join(directory, "notices"), { recursive: true });
  const bot = await spawnNode(
    botNodeArgs("built"),
    {
      SLACK_BOT_TOKEN: "xoxb-bench",
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: "0",
      DATABASE_URL: schema.url,
      PLAYBOOK_FILE: playbook,
      LOG_LEVEL: "info",
      ALERTS_ALERTMANAGER_TOKEN: alertsToken,
      PAGERDUTY_ROUTING_KEY: pagerduty.world.services[0]!.integrationKey,
      PAGERDUTY_EVENTS_URL: pagerduty.baseUrl,
      PAGERDUTY_WEBHOOK_SECRET: pagerDutySecret,
    },
    (line) => line.msg === "incident bot listening",
  );
  const botUrl = `http://127.0.0.1:${bot.line.port as number}`;
  pagerduty.webhooks.subscribe({ url: `${botUrl}/pagers/pagerduty/webhook`, secret: pagerDutySecret });
  const send = new SlackRequestSender(botUrl, signingSecret, (channel, user) => slack.responseUrl(channel, user));
  try {
    const runs: FirstNoticeRun[] = [];
    for (let run = 1; run <= options.runs; run++) runs.push(await playChain(run, botUrl, slack, pagerduty, send));
    return {
      runs,
      humanActions: ["acknowledge the page in PagerDuty (the IC)", "press Approve on the drafted notice (the IC)"],
    };
  } finally {
    await bot.stop();
    await pagerduty.close();
    await slack.close();
    await schema.drop();
  }
}

/** The default playbook plus what the chain needs: a declaring route, the IC paged on PagerDuty, the IC known there. */
function benchPlaybook(): string {
  const book = parse(readFileSync(playbookFile, "utf8")) as Record<string, unknown> & {
    roles: Record<string, Record<string, unknown>>;
  };
  book.roles.incident_commander = { ...book.roles.incident_commander, pager: "pagerduty" };
  // Alice is PALICE1 in the PagerDuty emulator's world.
  book.pagerUsers = { [icOnPagerDuty]: icInSlack };
  book.alerts = {
    routes: [{ name: "checkout-down", match: { service: "checkout" }, severity: "SEV1", action: "declare" }],
  };
  return stringify(book);
}

async function playChain(
  run: number,
  botUrl: string,
  slack: SlackEmulator,
  pagerduty: PagerDutyEmulator,
  send: SlackRequestSender,
): Promise<FirstNoticeRun> {
  const title = `Checkout error rate above 5% (run ${run})`;
  const marks: Partial<Record<"declared" | "pagedSlack" | "drafted" | "acked" | "approved", number>> = {};
  let channelId: string | undefined;
  let draftId: string | undefined;
  const stop = slack.onActivity((activity) => {
    const now = performance.now();
    if (activity.type !== "message_posted") return;
    const text = activity.message.text;
    if (text.startsWith(`INC-`) && text.includes(title) && activity.channel.label !== "#incidents" && !marks.declared) {
      marks.declared = now;
      channelId = activity.channel.id;
    }
    if (text.startsWith("You are paged") && !marks.pagedSlack) marks.pagedSlack = now;
    if (activity.channel.id === channelId && text.startsWith("Customer notice investigating v1") && !marks.drafted) {
      marks.drafted = now;
      const blocks = JSON.stringify(activity.message.blocks ?? []);
      draftId = /"action_id":"notice_approve","value":"([0-9a-f-]{36})"/.exec(blocks)?.[1] ?? /"value":"([0-9a-f-]{36})"[^}]*"action_id":"notice_approve"/.exec(blocks)?.[1];
    }
    if (activity.channel.id === channelId && text.includes("acknowledged in PagerDuty") && !marks.acked) marks.acked = now;
    if (activity.channel.id === channelId && text.includes("approved by") && !marks.approved) marks.approved = now;
  });
  try {
    const fired = performance.now();
    const response = await fetch(`${botUrl}/alerts/alertmanager`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${alertsToken}` },
      body: JSON.stringify(alertmanagerNotification(run, title)),
    });
    if (response.status !== 202) throw new Error(`the alert webhook answered ${response.status}: ${await response.text()}`);
    const pdIncident = await until(() => pagerduty.world.incidents.find((incident) => incident.title.includes(`run ${run})`)), "a PagerDuty incident");
    const pagedPagerDuty = performance.now();
    await until(() => marks.declared && marks.pagedSlack && marks.drafted, "the channel, the page DMs and the drafted notice");

    const acknowledging = performance.now();
    const { deliveries } = await pagerduty.acknowledge(pdIncident.id, { by: icOnPagerDuty });
    if (!deliveries.some((delivery) => delivery.status === 200)) throw new Error("the bot did not take the acknowledgement");
    const ackAnswered = performance.now();
    await until(() => marks.acked, "the acknowledgement in the channel");
    const acked = marks.acked!;

    if (!draftId || !channelId) throw new Error("the drafted notice has no Approve button");
    const clicking = performance.now();
    await send.blockAction({ action_id: "notice_approve", value: draftId }, { userId: icInSlack, channelId });
    await until(() => marks.approved, "the approved notice");

    return {
      declaredMs: round(marks.declared! - fired, 0),
      pagedSlackMs: round(marks.pagedSlack! - fired, 0),
      pagedPagerDutyMs: round(pagedPagerDuty - fired, 0),
      ackToRoleMs: round(ackAnswered - acknowledging, 0),
      ackToNoteMs: round(acked - acknowledging, 0),
      draftedMs: round(marks.drafted! - fired, 0),
      approveToApprovedMs: round(marks.approved! - clicking, 0),
      clicksToApprove: 1,
    };
  } finally {
    stop();
  }
}

/** What Alertmanager posts for one firing group of three alerts (webhook version 4). */
function alertmanagerNotification(run: number, title: string) {
  const groupKey = `{}:{alertname="CheckoutErrorRate", run="${run}"}`;
  const alerts = ["eu-west-1", "us-east-1", "ap-south-1"].map((region) => ({
    status: "firing",
    labels: { alertname: "CheckoutErrorRate", service: "checkout", region, run: String(run) },
    annotations: { summary: title },
    startsAt: new Date().toISOString(),
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus.example.com/graph",
    fingerprint: `${run}${region}`.replace(/[^0-9a-z]/g, "").slice(0, 16).padEnd(16, "0"),
  }));
  return {
    version: "4",
    receiver: "incident-bot",
    status: "firing",
    alerts,
    groupLabels: { alertname: "CheckoutErrorRate", run: String(run) },
    commonLabels: { alertname: "CheckoutErrorRate", service: "checkout", run: String(run) },
    commonAnnotations: { summary: title },
    externalURL: "http://alertmanager.example.com",
    groupKey,
    truncatedAlerts: 0,
  };
}

async function until<T>(check: () => T | undefined | false | 0, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export function formatFirstNotice(result: FirstNoticeResult): string {
  const column = (pick: (run: FirstNoticeRun) => number) => {
    const summary = summarize(result.runs.map(pick));
    return `${round(summary.p50, 0)} / ${round(summary.max, 0)}`;
  };
  return [
    `Time to first customer notice: ${result.runs.length} chains (Alertmanager webhook → SEV1 declared → pages on Slack and PagerDuty → ack in PagerDuty → drafted notice → one click on Approve), built bot on PostgreSQL, emulators in-process; ms from the webhook, p50 / max:`,
    "",
    "| step | ms (p50 / max) |",
    "|---|---|",
    `| incident declared (channel intro posted) | ${column((r) => r.declaredMs)} |`,
    `| page DMs on Slack | ${column((r) => r.pagedSlackMs)} |`,
    `| PagerDuty incident triggered | ${column((r) => r.pagedPagerDutyMs)} |`,
    `| **notice drafted, waiting for approval** | **${column((r) => r.draftedMs)}** |`,
    `| ack in PagerDuty → the IC holds the role (webhook answered; from the ack) | ${column((r) => r.ackToRoleMs)} |`,
    `| ack in PagerDuty → the note in the channel (from the ack) | ${column((r) => r.ackToNoteMs)} |`,
    `| Approve clicked → approved notice posted (from the click) | ${column((r) => r.approveToApprovedMs)} |`,
    "",
    `Human actions the chain needs: ${result.humanActions.join("; ")}. Clicks to approve: ${result.runs[0]?.clicksToApprove ?? 1}.`,
  ].join("\n");
}
