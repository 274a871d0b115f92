import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checklistActionIds, checklistBlockId } from "../../src/capabilities/checklists/views.ts";
import { noticeActionIds, noticeBlockIds, noticeCallbackId } from "../../src/capabilities/notices/views.ts";
import { loadConfig } from "../../src/core/config/env.ts";
import { type GitHubEmulator, startGitHubEmulator } from "../emulators/github/index.ts";
import { type OpsgenieEmulator, startOpsgenieEmulator } from "../emulators/opsgenie/index.ts";
import { type PagerDutyEmulator, startPagerDutyEmulator } from "../emulators/pagerduty/index.ts";
import { digestTimerKind } from "../../src/capabilities/followups/manager/digest.ts";
import { postmortemActionIds } from "../../src/capabilities/followups/postmortem/views.ts";
import {
  describeActivity,
  type SlackEmulator,
  startSlackEmulator,
} from "../emulators/slack/index.ts";
import { SlackRequestSender } from "../emulators/slack/signed-requests.ts";
import { callbackIds, declareBlockIds } from "../../src/capabilities/incidents/views.ts";
import { createLogger } from "../../src/core/logging.ts";
import { type RunningApp, startApp } from "../../src/main.ts";
import { pagingActionIds } from "../../src/capabilities/paging/views.ts";
import { runUntilIdle } from "../drive-timers.ts";
import { ManualClock } from "../../src/core/clock.ts";

/**
 * `npm run demo`: the real bot, on a fresh embedded database, against the
 * built-in Slack emulator. A scripted incident is driven through the bot's
 * own /slack/events with signed requests, and every change in the emulated
 * workspace is printed as a transcript. Follow-up work goes to the built-in
 * GitHub stand-in, whose signed webhooks come back to /github/webhook.
 */

const demoSigningSecret = "demo-signing-secret";
const demoWebhookSecret = "demo-webhook-secret";
const demoRepository = "acme/ops";
const demoAlertsToken = "demo-alerts-token";
const demoPagerDutySecret = "demo-pagerduty-webhook-secret";
const demoOpsgenieToken = "demo-opsgenie-webhook-token";
const defaultPlaybook = fileURLToPath(new URL("../../playbook.yml", import.meta.url));

export interface DemoOptions {
  write(line: string): void;
  playbookFile?: string;
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const { write } = options;
  const emulator = await startSlackEmulator();
  const github = await startGitHubEmulator();
  // The demo keeps its own clock, so "30 minutes later" takes no time.
  const clock = new ManualClock();
  const pagerduty = await startPagerDutyEmulator({ now: () => clock.now().getTime() });
  const opsgenie = await startOpsgenieEmulator({ now: () => clock.now().getTime() });
  const dataDir = mkdtempSync(join(tmpdir(), "incident-bot-demo-"));
  let app: RunningApp | undefined;
  try {
    app = await startApp({
      config: loadConfig({
        SLACK_BOT_TOKEN: "xoxb-demo",
        SLACK_SIGNING_SECRET: demoSigningSecret,
        SLACK_API_URL: emulator.apiUrl,
        PORT: "0",
        DATA_DIR: dataDir,
        PLAYBOOK_FILE: options.playbookFile ?? defaultPlaybook,
        GITHUB_TOKEN: github.token,
        GITHUB_REPOSITORY: demoRepository,
        GITHUB_API_URL: github.apiUrl,
        GITHUB_WEBHOOK_SECRET: demoWebhookSecret,
        ALERTS_ALERTMANAGER_TOKEN: demoAlertsToken,
        PAGERDUTY_ROUTING_KEY: pagerduty.world.services[0]!.integrationKey,
        PAGERDUTY_EVENTS_URL: pagerduty.baseUrl,
        PAGERDUTY_WEBHOOK_SECRET: demoPagerDutySecret,
        OPSGENIE_API_KEY: opsgenie.apiKey,
        OPSGENIE_API_URL: opsgenie.apiUrl,
        OPSGENIE_WEBHOOK_TOKEN: demoOpsgenieToken,
      }),
      host: "127.0.0.1",
      logger: createLogger("silent"),
      clock,
      autoTick: false,
    });
    await app.resumed;
    github.webhooks.configure({ url: `${app.url}/github/webhook`, secret: demoWebhookSecret });
    pagerduty.webhooks.subscribe({ url: `${app.url}/pagers/pagerduty/webhook`, secret: demoPagerDutySecret });
    opsgenie.webhooks.add({ url: `${app.url}/pagers/opsgenie/webhook`, headers: { authorization: `Bearer ${demoOpsgenieToken}` } });
    const stopTranscript = printTranscript(emulator, write);
    const script = new DemoScript(app, emulator, clock, write, github, pagerduty, opsgenie);

    write("== A SEV2 is declared from #general with the quick path");
    await script.type("alice", "general", "/incident declare sev2 Checkout API returning 500s");

    write("\n== Bad input gets an ephemeral explanation, and nothing is written");
    await script.type("carol", "general", "/incident declare sev9 Everything is on fire");

    write("\n== Typed text is escaped before it is posted: this pings nobody");
    await script.type("carol", "general", "/incident declare sev1 <!channel> wake up");
    await script.type("carol", "inc-2-channel-wake-up", "/incident resolve Declared by mistake");

    write("\n== Inside the incident channel, the incident is implied");
    await script.type("alice", "inc-1-checkout-api-returning-500s", "/incident status");

    const incidentChannel = "inc-1-checkout-api-returning-500s";
    write(
      "\n== The IC posts an update: it lands in the channel and the announcement's thread, and the announcement shows the new status",
    );
    await script.type(
      "alice",
      incidentChannel,
      "/incident update identified Bad deploy of checkout-api 4.2; rolling back",
    );

    write("\n== 30 minutes pass without an update (SEV2 cadence): the bot reminds the IC");
    await script.wait(30);

    write(
      "\n== Another update resets the reminder clock; then the incident is resolved and reminders stop",
    );
    await script.type(
      "alice",
      incidentChannel,
      "/incident update monitoring Rolled back to 4.1; error rate is back to normal",
    );
    await script.type(
      "alice",
      incidentChannel,
      "/incident resolve Rolled back to 4.1; a fix for 4.2 follows",
    );
    await script.wait(120);
    write("(nothing: a resolved incident gets no reminders)");

    write(
      "\n== A SEV1: the playbook pages the tech lead, comms lead and executive sponsor by DM, and posts each team's checklist",
    );
    await script.type(
      "dave",
      "general",
      "/incident declare sev1 Payments failing for all card types",
    );
    const sev1Channel = "inc-3-payments-failing-for-all-card-types";

    write("\n== Nobody acknowledges within 5 minutes, so each page escalates to the next level");
    await script.wait(5);

    write(
      "\n== The paged people acknowledge from their DMs: they take the roles, join the channel, and escalation stops",
    );
    await script.acknowledgePages(sev1Channel);

    write("\n== The comms lead drafts the customer notice from its template, edits it, approves it; it is exported as .eml");
    await script.type("carol", sev1Channel, "/incident email");
    await script.editAndApproveNotice("carol", sev1Channel);

    write(
      "\n== The tech lead ticks the first checklist item; 10 minutes in, the open items nudge their owners",
    );
    await script.tickChecklistItem(sev1Channel, "engineering", "confirm-source");
    await script.wait(10);
    await script.type("dave", sev1Channel, "/incident resolve Card processor failover completed");

    write("\n== Another incident is declared with the form");
    await script.type("bob", "general", "/incident");
    await script.submitDeclareForm("bob", {
      title: "Search results are stale",
      severity: "SEV3",
      summary: "Index updates lag by about 20 minutes.",
      components: "Search",
    });

    write("\n== Anyone can see what is open");
    await script.type("dave", "general", "/incident list");

    write("\n== Follow-up work on INC-1: action items become GitHub issues (on the built-in GitHub stand-in)");
    await script.type(
      "alice",
      incidentChannel,
      `/incident action Add a canary stage to checkout-api deploys ${script.mention("bob")} due:${script.dayFromNow(3)}`,
    );
    await script.type(
      "alice",
      incidentChannel,
      `/incident action Alert when the checkout 5xx rate exceeds 1% ${script.mention("carol")} due:${script.dayFromNow(14)}`,
    );
    await script.type(
      "alice",
      incidentChannel,
      `/incident action Document the checkout-api rollback steps ${script.mention("alice")} due:${script.dayFromNow(-1)}`,
    );
    script.showGitHubIssues();

    write("\n== bob ships the canary stage and closes the issue on GitHub: its signed webhook marks the item done");
    await script.closeGitHubIssue("bob", 1);

    write("\n== bob takes the postmortem (the question posted when INC-1 resolved) and drafts it from the timeline");
    await script.takePostmortem("bob", incidentChannel);
    await script.type("bob", incidentChannel, "/incident postmortem");
    script.showGitHubIssues({ withBodyOf: "postmortem" });

    write("\n== The quick view of what is still open");
    await script.type("dave", "general", "/incident actions all");

    write("\n== INC-4 is fixed; then the demo clock runs to Monday's digest for managers");
    await script.type("bob", "inc-4-search-results-are-stale", "/incident resolve Index lag fixed");
    await script.untilDigest();

    write("\n== carol opens the bot's App Home: open incidents, her roles, her action items, what is overdue");
    showHomes = true;
    await script.openHome("carol");
    showHomes = false;

    write(
      "\n== Monitoring opens an incident: Alertmanager fires for checkout, the playbook's route declares a SEV1 at once, pages on Slack and on PagerDuty, and drafts the customer notice",
    );
    await script.alertmanagerFires("CheckoutErrorRate", "Checkout error rate above 5% in 3 regions", { service: "checkout", severity: "critical" });
    write("\n== alice acknowledges the page in the PagerDuty app: she takes the IC role in Slack, and the bot's escalation stops");
    await script.acknowledgeInPagerDuty("PALICE1");
    write("\n== carol acknowledges the comms lead's alert in Opsgenie: she takes the role the same way");
    await script.acknowledgeInOpsgenie("carol@example.com");
    write("\n== alice approves the drafted notice with one click; Alertmanager then says it is over");
    const monitored = await script.newestIncidentChannel();
    await script.approveDraftedNotice("alice", monitored);
    await script.alertmanagerFires("CheckoutErrorRate", "Checkout error rate above 5% in 3 regions", { service: "checkout", severity: "critical" }, "resolved");
    await script.type("alice", monitored, "/incident resolve Payment provider recovered");
    script.showPagers();

    stopTranscript();
    write(
      `\nDone. ${await app.db.prisma.incident.count()} incidents, ${emulator.calls.length} Slack Web API calls, ${github.calls.length} GitHub API calls, ${pagerduty.calls.length} PagerDuty Events API calls, ${opsgenie.calls.length} Opsgenie API calls.`,
    );
  } finally {
    await app?.stop();
    await emulator.close();
    await github.close();
    await pagerduty.close();
    await opsgenie.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

class DemoScript {
  private readonly send: SlackRequestSender;

  constructor(
    private readonly app: RunningApp,
    private readonly emulator: SlackEmulator,
    private readonly clock: ManualClock,
    private readonly write: (line: string) => void,
    private readonly github: GitHubEmulator,
    private readonly pagerduty: PagerDutyEmulator,
    private readonly opsgenie: OpsgenieEmulator,
  ) {
    this.send = new SlackRequestSender(app.url, demoSigningSecret, (channel, user) =>
      emulator.responseUrl(channel, user),
    );
  }

  private userId(name: string): string {
    const user = this.emulator.world.users().find((candidate) => candidate.name === name);
    if (!user) throw new Error(`demo user ${name} is not in the emulator`);
    return user.id;
  }

  async type(person: string, channelName: string, text: string): Promise<void> {
    const channel = this.emulator.world.channelByName(channelName);
    if (!channel) throw new Error(`demo channel #${channelName} does not exist`);
    this.write(`\n${person} types in #${channelName}:  ${text}`);
    const response = await this.send.slashCommand(text.replace(/^\/incident\s*/, ""), {
      userId: this.userId(person),
      channelId: channel.id,
      channelName,
    });
    const body = await response.text();
    // An ack with a body is Slack's ephemeral answer to the person who typed.
    if (body) {
      const { text: reply } = JSON.parse(body) as { text?: string };
      this.write(`#${channelName}  (only @${person} sees) ${reply ?? ""}`);
    }
    await runUntilIdle(this.app, this.clock);
  }

  /** How a person is written in slash-command text (Slack escapes mentions). */
  mention(name: string): string {
    return `<@${this.userId(name)}|${name}>`;
  }

  /** A date `days` from now on the demo clock, as YYYY-MM-DD. */
  dayFromNow(days: number): string {
    return new Date(this.clock.now().getTime() + days * 86_400_000).toISOString().slice(0, 10);
  }

  showGitHubIssues(options: { withBodyOf?: string } = {}): void {
    for (const issue of this.github.world.issues(demoRepository)) {
      const labels = issue.labels.map((label) => (typeof label === "string" ? label : label.name)).join(", ");
      const assignees = issue.assignees?.map((user) => user.login).join(", ") || "nobody";
      this.write(`GitHub ${demoRepository}#${issue.number} [${issue.state}]  "${issue.title}"  labels: ${labels} · assigned: ${assignees}`);
      if (options.withBodyOf && labels.includes(options.withBodyOf)) {
        const lines = (issue.body ?? "").split("\n").filter((line) => line.trim() !== "");
        for (const line of lines.slice(0, 60)) this.write(`    | ${line}`);
        if (lines.length > 60) this.write(`    | … (${lines.length - 60} more lines)`);
      }
    }
  }

  async closeGitHubIssue(person: string, number: number): Promise<void> {
    this.write(`\n${person} closes ${demoRepository}#${number} on GitHub`);
    const { deliveries } = await this.github.closeIssue(demoRepository, number, { by: person });
    for (const delivery of deliveries) {
      this.write(`(webhook ${delivery.event}.${delivery.action} → /github/webhook: ${delivery.status} ${delivery.responseBody ?? ""})`);
    }
    await runUntilIdle(this.app, this.clock);
  }

  async takePostmortem(person: string, channelName: string): Promise<void> {
    const incident = await this.incidentIn(channelName);
    const channel = this.emulator.world.channelByName(channelName)!;
    this.write(`\n${person} presses "I'll own the postmortem"`);
    await this.send.blockAction(
      { action_id: postmortemActionIds.takeOwnership, value: incident.id },
      { userId: this.userId(person), channelId: channel.id },
    );
    await runUntilIdle(this.app, this.clock);
  }

  /** Runs the demo clock forward, a day at a time, until the weekly digest has gone out. */
  async untilDigest(): Promise<void> {
    const digest = await this.app.db.prisma.timer.findFirst({ where: { kind: digestTimerKind } });
    if (!digest) {
      this.write("(no digest: the playbook has no followUps.digest)");
      return;
    }
    const dueAt = digest.dueAt.getTime();
    let days = 0;
    while (this.clock.now().getTime() < dueAt) {
      this.clock.advance(Math.min(86_400_000, dueAt - this.clock.now().getTime()));
      days += 1;
      await runUntilIdle(this.app, this.clock);
    }
    this.write(`(… ${days} days on the demo clock …)`);
    const digestChannel = this.emulator.world.channelByName("incidents");
    const posted = digestChannel ? this.emulator.world.messages(digestChannel.id).at(-1) : undefined;
    if (posted?.text.includes("digest")) {
      this.write("The digest in full:");
      const blocks = (posted.blocks ?? []) as { text?: { text?: string }; elements?: { text?: string }[] }[];
      const texts = blocks.flatMap((block) => [block.text?.text, ...(block.elements ?? []).map((element) => element.text)]);
      for (const text of texts.filter((line): line is string => Boolean(line))) {
        for (const line of text.split("\n")) this.write(`    | ${line}`);
      }
    }
  }

  async openHome(person: string): Promise<void> {
    const userId = this.userId(person);
    this.write(`\n${person} opens the Home tab`);
    await this.send.event({ type: "app_home_opened", user: userId, tab: "home", channel: this.emulator.world.dmWith(userId)?.id ?? "D0HOME" });
    await runUntilIdle(this.app, this.clock);
  }

  /** Alertmanager posts one notification (webhook version 4) for a group of three alerts. */
  async alertmanagerFires(alertname: string, summary: string, labels: Record<string, string>, status: "firing" | "resolved" = "firing"): Promise<void> {
    const groupLabels = { alertname };
    const alerts = ["eu-west-1", "us-east-1", "ap-south-1"].map((region, index) => ({
      status,
      labels: { alertname, ...labels, region },
      annotations: { summary },
      startsAt: this.clock.now().toISOString(),
      endsAt: status === "resolved" ? this.clock.now().toISOString() : "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.example.com/graph",
      fingerprint: `c0ffee00000000${index}${index}`,
    }));
    const response = await fetch(`${this.app.url}/alerts/alertmanager`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${demoAlertsToken}` },
      body: JSON.stringify({
        version: "4",
        receiver: "incident-bot",
        status,
        alerts,
        groupLabels,
        commonLabels: { alertname, ...labels },
        commonAnnotations: { summary },
        externalURL: "http://alertmanager.example.com",
        groupKey: `{}:{alertname="${alertname}"}`,
        truncatedAlerts: 0,
      }),
    });
    this.write(`\nAlertmanager → POST /alerts/alertmanager (${alerts.length} ${status} alerts): ${response.status} ${await response.text()}`);
    await runUntilIdle(this.app, this.clock);
  }

  /** A person presses Acknowledge in the PagerDuty app; its signed webhook comes back to the bot. */
  async acknowledgeInPagerDuty(pagerDutyUser: string): Promise<void> {
    const open = this.pagerduty.world.incidents.filter((incident) => incident.status === "triggered");
    for (const incident of open) {
      const { deliveries } = await this.pagerduty.acknowledge(incident.id, { by: pagerDutyUser });
      this.write(`PagerDuty: ${pagerDutyUser} acknowledges #${incident.number} "${incident.title}"`);
      for (const delivery of deliveries) this.write(`(webhook ${delivery.eventType} → /pagers/pagerduty/webhook: ${delivery.status})`);
    }
    await runUntilIdle(this.app, this.clock);
  }

  /** A person presses Acknowledge in the Opsgenie app; its webhook integration tells the bot. */
  async acknowledgeInOpsgenie(username: string): Promise<void> {
    for (const alert of this.opsgenie.world.alerts.filter((candidate) => candidate.status === "open" && !candidate.acknowledged)) {
      const { deliveries } = await this.opsgenie.acknowledge(alert.id, { user: username });
      this.write(`Opsgenie: ${username} acknowledges #${alert.tinyId} "${alert.message}"`);
      for (const delivery of deliveries) this.write(`(webhook ${delivery.action} → /pagers/opsgenie/webhook: ${delivery.status})`);
    }
    await runUntilIdle(this.app, this.clock);
  }

  showPagers(): void {
    for (const incident of this.pagerduty.world.incidents) {
      this.write(`PagerDuty #${incident.number} [${incident.status}]  "${incident.title}"  dedup_key: ${incident.incidentKey}`);
    }
    for (const alert of this.opsgenie.world.alerts) {
      this.write(`Opsgenie #${alert.tinyId} [${alert.status}${alert.acknowledged ? ", acknowledged" : ""}]  "${alert.message}"  alias: ${alert.alias}`);
    }
  }

  async newestIncidentChannel(): Promise<string> {
    const incident = await this.app.db.prisma.incident.findFirstOrThrow({ orderBy: { number: "desc" } });
    return incident.channelName!;
  }

  /** Presses Approve on the notice the bot drafted as the incident was declared. */
  async approveDraftedNotice(person: string, channelName: string): Promise<void> {
    const incident = await this.incidentIn(channelName);
    const draft = await this.app.db.prisma.notice.findFirstOrThrow({ where: { incidentId: incident.id }, orderBy: { version: "asc" } });
    const channel = this.emulator.world.channelByName(channelName)!;
    this.write(`\n${person} presses Approve on the drafted notice (v${draft.version})`);
    await this.send.blockAction({ action_id: noticeActionIds.approve, value: draft.id }, { userId: this.userId(person), channelId: channel.id });
    await runUntilIdle(this.app, this.clock);
  }

  /** Lets time pass on the demo clock, running whatever timers fall due. */
  async wait(minutes: number): Promise<void> {
    this.write(`\n… ${minutes} minutes later …`);
    this.clock.advance(minutes * 60_000);
    await runUntilIdle(this.app, this.clock);
  }

  /** Everyone with an open page presses Acknowledge in their DM. */
  async acknowledgePages(channelName: string): Promise<void> {
    const incident = await this.incidentIn(channelName);
    const pages = await this.app.db.prisma.page.findMany({
      where: { incidentId: incident.id, state: "open" },
      orderBy: { createdAt: "asc" },
    });
    const takenRoles = new Set<string>();
    for (const page of pages) {
      if (takenRoles.has(page.role)) continue;
      takenRoles.add(page.role);
      const person = this.emulator.world.user(page.userId)?.name ?? page.userId;
      this.write(`\n${person} presses Acknowledge in their DM`);
      const dm = this.emulator.world.dmWith(page.userId);
      await this.send.blockAction(
        { action_id: pagingActionIds.acknowledge, value: page.id },
        { userId: page.userId, ...(dm ? { channelId: dm.id } : {}) },
      );
      await runUntilIdle(this.app, this.clock);
    }
  }

  /** Saves the open notice modal with one sentence added, approves it, shows the .eml. */
  async editAndApproveNotice(person: string, channelName: string): Promise<void> {
    const userId = this.userId(person);
    const view = this.emulator.callsTo("views.open").at(-1)!.args.view as {
      private_metadata: string;
      blocks: { block_id?: string; element?: { initial_value?: string } }[];
    };
    const field = (blockId: string) => view.blocks.find((block) => block.block_id === blockId)?.element?.initial_value ?? "";
    const body = field(noticeBlockIds.body).replace(
      "Our engineers are investigating now.",
      "Our engineers are investigating now; card payments are failing, other payment methods work.",
    );
    this.write(`\n${person} edits the draft and saves it`);
    await this.send.viewSubmission(
      {
        callback_id: noticeCallbackId,
        private_metadata: view.private_metadata,
        values: {
          [noticeBlockIds.subject]: { value: { type: "plain_text_input", value: field(noticeBlockIds.subject) } },
          [noticeBlockIds.body]: { value: { type: "plain_text_input", value: body } },
        },
      },
      userId,
    );
    await runUntilIdle(this.app, this.clock);
    const incident = await this.incidentIn(channelName);
    const notice = await this.app.db.prisma.notice.findFirstOrThrow({
      where: { incidentId: incident.id },
      orderBy: { version: "desc" },
    });
    this.write(`\n${person} presses Approve`);
    const channel = this.emulator.world.channelByName(channelName)!;
    await this.send.blockAction({ action_id: noticeActionIds.approve, value: notice.id }, { userId, channelId: channel.id });
    await runUntilIdle(this.app, this.clock);
    const file = this.emulator.world.files.find((candidate) => candidate.name.endsWith(`v${notice.version}.eml`));
    if (file?.bytes) {
      const headers = file.bytes.toString("utf8").split(/\r?\n\r?\n/)[0]!.split(/\r?\n/);
      this.write(`(${file.name}: ${headers.filter((line) => /^(From|Subject|Date):/.test(line)).join(" | ")})`);
    }
  }

  async tickChecklistItem(channelName: string, checklist: string, itemId: string): Promise<void> {
    const incident = await this.incidentIn(channelName);
    const owner = incident.roles.find((role) => role.role === "tech_lead") ?? incident.roles[0]!;
    const person = this.emulator.world.user(owner.userId)?.name ?? owner.userId;
    this.write(`\n${person} ticks "${itemId}" in the ${checklist} checklist`);
    const channel = this.emulator.world.channelByName(channelName)!;
    await this.send.blockAction(
      {
        action_id: checklistActionIds.toggle,
        block_id: checklistBlockId(checklist),
        type: "checkboxes",
        selected_options: [{ value: itemId }],
      },
      { userId: owner.userId, channelId: channel.id },
    );
    await runUntilIdle(this.app, this.clock);
    this.write(`(recorded on the timeline as completed by @${person})`);
  }

  private async incidentIn(channelName: string) {
    const channel = this.emulator.world.channelByName(channelName);
    const incident = channel
      ? await this.app.db.prisma.incident.findUnique({
          where: { channelId: channel.id },
          include: { roles: true },
        })
      : null;
    if (!incident) throw new Error(`no incident in #${channelName}`);
    return incident;
  }

  async submitDeclareForm(
    person: string,
    form: { title: string; severity: string; summary: string; components: string },
  ): Promise<void> {
    this.write(`\n${person} fills in the form: ${form.severity}, "${form.title}"`);
    const text = (value: string) => ({ value: { type: "plain_text_input", value } });
    const option = (value: string) => ({
      value: { type: "static_select", selected_option: { value } },
    });
    await this.send.viewSubmission(
      {
        callback_id: callbackIds.declare,
        values: {
          [declareBlockIds.title]: text(form.title),
          [declareBlockIds.severity]: option(form.severity),
          [declareBlockIds.summary]: text(form.summary),
          [declareBlockIds.components]: text(form.components),
          [declareBlockIds.customerImpact]: option("yes"),
          [declareBlockIds.visibility]: option("no"),
        },
      },
      this.userId(person),
    );
    await runUntilIdle(this.app, this.clock);
  }
}

let showHomes = false;

function printTranscript(emulator: SlackEmulator, write: (line: string) => void): () => void {
  return emulator.onActivity((activity) => {
    // App Homes are republished after every change to action items; the demo shows one at the end.
    if (activity.type === "home_published" && !showHomes) return;
    write(
      describeActivity(activity, {
        userName: (id) => emulator.world.user(id)?.name,
        channelName: (id) => emulator.world.channel(id)?.name,
        maxLength: 400,
      }),
    );
  });
}
