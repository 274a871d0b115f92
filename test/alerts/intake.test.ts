import { afterEach, describe, expect, it } from "vitest";
import type { Playbook } from "../../src/core/config/playbook.ts";
import { triageActionIds } from "../../src/capabilities/alerts/views.ts";
import { defaultSeed, startSlackEmulator } from "../../tools/emulators/slack/index.ts";
import { findAlertmanager, type PostableAlert, type RunningAlertmanager, startAlertmanager } from "../support/alertmanager.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { minutes } from "../support/clock.ts";
import { quietPlaybook } from "../support/playbooks.ts";
import { waitFor } from "../support/wait.ts";

/**
 * The alert intake end to end: webhooks over real HTTP into the bot (from a
 * real Alertmanager for the storm), then the bot's timers (bot.settle) turn
 * groups into incidents, attachments or triage messages in the Slack
 * emulator. The bot does not depend on the alerts' timestamps, so
 * Alertmanager's real clock and the bot's test clock may disagree.
 */

const alertmanagerToken = "intake-alertmanager-token";
const genericToken = "intake-generic-token";
const triageChannel = "C0TRIAGE";
const oncallUser = "U0CAROL";
const triageMember = "U0DAVE";
const snoozeMinutes = 30;

function alertsPlaybook(): Playbook {
  const quiet = quietPlaybook();
  return {
    ...quiet,
    escalationPolicies: {
      ...quiet.escalationPolicies,
      "alert-oncall": { levels: [{ targets: [{ users: [oncallUser] }], delayMinutes: 5 }], repeat: 0, fallback: "none" },
    },
    alerts: {
      triageChannel,
      snoozeMinutes,
      routes: [
        { name: "storm", match: { route: "storm" }, matchRegex: {}, severity: "SEV3", components: [], action: "declare", private: false },
        {
          name: "checkout-component",
          match: { route: "component" },
          matchRegex: {},
          severity: "SEV2",
          components: ["checkout"],
          action: "declare",
          private: false,
        },
        {
          name: "needs-a-person",
          match: { route: "triage" },
          matchRegex: {},
          severity: "SEV3",
          team: "payments",
          components: [],
          action: "triage",
          escalation: "alert-oncall",
          private: false,
        },
      ],
    },
  };
}

let bot: TestBot | undefined;
let alertmanager: RunningAlertmanager | undefined;

async function startBot(label: string): Promise<TestBot> {
  const seed = defaultSeed();
  const emulator = await startSlackEmulator({
    seed: {
      channels: [
        ...seed.channels,
        // The on-call and one more person may press the triage buttons: they are members.
        { id: triageChannel, name: "alert-triage", members: ["U0BOT", oncallUser, triageMember] },
      ],
    },
  });
  bot = await startTestBot({
    label,
    emulator,
    playbook: alertsPlaybook(),
    env: { ALERTS_ALERTMANAGER_TOKEN: alertmanagerToken, ALERTS_GENERIC_TOKEN: genericToken },
  });
  return bot;
}

afterEach(async () => {
  await alertmanager?.close();
  alertmanager = undefined;
  await bot?.dispose();
  bot = undefined;
});

/** `token` null sends no Authorization header at all. */
function postAlert(body: unknown, path = "/alerts/generic", token: string | null = genericToken): Promise<Response> {
  return fetch(`${bot!.app.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const alertGroupCount = () => bot!.app.db.prisma.alertGroup.count();
const timelineKinds = async (incidentId: string) =>
  (await bot!.app.db.prisma.timelineEvent.findMany({ where: { incidentId }, orderBy: { id: "asc" } })).map((event) => event.kind);
const messageTexts = (channelId: string) => bot!.emulator.world.messages(channelId).map((message) => message.text ?? "");

const alertmanagerFound = findAlertmanager();
const stormGroups = [
  { alertname: "HighErrorRate", service: "checkout", count: 90 },
  { alertname: "HighErrorRate", service: "search", count: 60 },
  { alertname: "DiskAlmostFull", service: "checkout", count: 50 },
];
function stormAlerts(fromIndex: number, perGroup?: number): PostableAlert[] {
  return stormGroups.flatMap((group) =>
    Array.from({ length: perGroup ?? group.count }, (_, offset) => ({
      labels: {
        alertname: group.alertname,
        service: group.service,
        route: "storm",
        instance: `${group.service}-${fromIndex + offset}.internal:9100`,
      },
      annotations: { summary: `${group.alertname} on ${group.service}` },
    })),
  );
}

describe.skipIf("unavailable" in alertmanagerFound)(
  `a storm from a real Alertmanager${"unavailable" in alertmanagerFound ? ` (skipped: ${alertmanagerFound.unavailable})` : ""}`,
  () => {
    it("opens one incident per group for 200 alerts, counts repeats without a 4th, and notes the monitor's resolution", { timeout: 90_000 }, async () => {
      const current = await startBot("alert-storm");
      alertmanager = await startAlertmanager({
        webhookUrl: `${current.app.url}/alerts/alertmanager`,
        bearerToken: alertmanagerToken,
        groupBy: ["alertname", "service"],
      });
      const am = alertmanager;
      const prisma = current.app.db.prisma;
      const firstWave = stormAlerts(0);
      expect(firstWave).toHaveLength(200);
      await am.pushAlerts(firstWave);
      await waitFor(
        () => prisma.alertInstance.count({ where: { status: "firing" } }),
        (count) => count === 200,
        { what: `200 firing alerts taken in (Alertmanager log: ${am.log()})`, timeoutMs: 30_000, intervalMs: 100 },
      );
      await current.settle();

      const groups = await prisma.alertGroup.findMany({ orderBy: { title: "asc" } });
      expect(groups).toHaveLength(3);
      expect(groups.map((group) => group.state)).toEqual(["declared", "declared", "declared"]);
      const incidents = await prisma.incident.findMany({ orderBy: { number: "asc" } });
      expect(incidents).toHaveLength(3);
      expect(new Set(groups.map((group) => group.incidentId))).toEqual(new Set(incidents.map((incident) => incident.id)));
      for (const incident of incidents) {
        expect(incident.phase).toBe("active");
        expect(incident.severity).toBe("SEV3");
        expect(incident.channelId).toBeTruthy();
      }
      expect(current.emulator.callsTo("conversations.create")).toHaveLength(3);
      expect(new Set(incidents.map((incident) => incident.channelId)).size).toBe(3);
      const announcements = messageTexts("C0INCIDENTS");
      expect(announcements).toHaveLength(3);
      for (const incident of incidents) expect(announcements.some((text) => text.includes(`<#${incident.channelId}>`))).toBe(true);

      // More alerts in the same three groups: Alertmanager notifies again; the groups count them, nothing new opens.
      const notificationsBefore = groups.map((group) => group.notifications);
      await am.pushAlerts(stormAlerts(1_000, 5));
      await waitFor(
        () => prisma.alertInstance.count({ where: { status: "firing" } }),
        (count) => count === 215,
        { what: `215 firing alerts taken in (Alertmanager log: ${am.log()})`, timeoutMs: 30_000, intervalMs: 100 },
      );
      await current.settle();
      const regrouped = await prisma.alertGroup.findMany({ orderBy: { title: "asc" } });
      expect(regrouped).toHaveLength(3);
      regrouped.forEach((group, index) => expect(group.notifications).toBeGreaterThan(notificationsBefore[index]!));
      expect(regrouped.map((group) => group.firingAlerts).sort((a, b) => a - b)).toEqual([55, 65, 95]);
      expect(await prisma.incident.count()).toBe(3);
      expect(current.emulator.callsTo("conversations.create")).toHaveLength(3);

      await am.resolveAlerts([...firstWave, ...stormAlerts(1_000, 5)]);
      await waitFor(
        () => prisma.alertGroup.findMany({ select: { status: true } }),
        (rows) => rows.length === 3 && rows.every((row) => row.status === "resolved"),
        { what: `every group resolved by Alertmanager (its log: ${am.log()})`, timeoutMs: 30_000, intervalMs: 100 },
      );
      await current.settle();
      for (const incident of incidents) {
        expect((await timelineKinds(incident.id)).filter((kind) => kind === "alert_resolved")).toHaveLength(1);
        expect(messageTexts(incident.channelId!).filter((text) => text.includes("Resolved by the monitor"))).toHaveLength(1);
        // The monitor's word does not resolve the incident: a person does.
        expect((await prisma.incident.findUniqueOrThrow({ where: { id: incident.id } })).status).not.toBe("resolved");
      }
    });
  },
);

describe("triage, attachment and refusals", () => {
  it("asks in the triage channel once per group, pages the on-call, and acts on Declare, Dismiss and Snooze", { timeout: 60_000 }, async () => {
    const current = await startBot("alert-triage");
    const prisma = current.app.db.prisma;
    const titles = { declare: "Payments queue backing up", dismiss: "Payments retries high", snooze: "Payments latency drifting" };
    for (const [key, title] of Object.entries(titles)) {
      // Sent twice: a repeated notification is the same group, not another message.
      for (let round = 0; round < 2; round += 1) {
        const response = await postAlert({ group_key: key, title, status: "firing", labels: { alertname: key, route: "triage" } });
        expect(response.status).toBe(202);
      }
    }
    await current.settle();

    const triageMessages = () => current.emulator.world.messages(triageChannel);
    expect(triageMessages()).toHaveLength(3);
    for (const title of Object.values(titles)) {
      expect(triageMessages().filter((message) => (message.text ?? "").includes(`Potential incident: ${title}`))).toHaveLength(1);
    }
    const pagesFor = (title: string) =>
      messageTexts(current.emulator.world.dmWith(oncallUser)!.id).filter((text) => text.includes(title));
    for (const title of Object.values(titles)) expect(pagesFor(title)).toHaveLength(1);
    expect(current.emulator.world.dmWith(triageMember)).toBeUndefined();
    expect(await prisma.incident.count()).toBe(0);

    const groupFor = (key: string) => prisma.alertGroup.findFirstOrThrow({ where: { groupKey: key } });
    const press = async (actionId: string, key: string, userId: string) => {
      const response = await current.send.blockAction({ action_id: actionId, value: (await groupFor(key)).id }, { userId, channelId: triageChannel });
      expect(response.status).toBe(200);
      await current.settle();
    };
    const messageOf = (title: string) => triageMessages().find((message) => (message.text ?? "").includes(title))!;
    const hasButtons = (title: string) => (messageOf(title).blocks ?? []).some((block) => block.type === "actions");

    await press(triageActionIds.declare, "declare", triageMember);
    const incidents = await prisma.incident.findMany();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.title).toBe(titles.declare);
    expect(incidents[0]!.phase).toBe("active");
    expect((await groupFor("declare")).state).toBe("declared");
    expect(hasButtons(titles.declare)).toBe(false);
    expect(JSON.stringify(messageOf(titles.declare).blocks)).toContain(`<@${triageMember}>`);
    // Pressing again changes nothing: the group was decided.
    await press(triageActionIds.declare, "declare", oncallUser);
    expect(await prisma.incident.count()).toBe(1);

    await press(triageActionIds.dismiss, "dismiss", triageMember);
    expect((await groupFor("dismiss")).state).toBe("dismissed");
    expect(hasButtons(titles.dismiss)).toBe(false);
    expect(JSON.stringify(messageOf(titles.dismiss).blocks)).toContain("Dismissed by");

    await press(triageActionIds.snooze, "snooze", oncallUser);
    expect((await groupFor("snooze")).state).toBe("snoozed");
    expect(pagesFor(titles.snooze)).toHaveLength(1);
    await current.advance(minutes(snoozeMinutes - 1));
    expect(pagesFor(titles.snooze)).toHaveLength(1);
    await current.advance(minutes(2));
    expect((await groupFor("snooze")).state).toBe("triage");
    expect(pagesFor(titles.snooze)).toHaveLength(2);
    expect(hasButtons(titles.snooze)).toBe(true);

    expect(await prisma.incident.count()).toBe(1);
    expect(triageMessages()).toHaveLength(3);
  });

  it("attaches an alert about a component with an open incident instead of opening another", async () => {
    const current = await startBot("alert-attach");
    const prisma = current.app.db.prisma;
    const first = await postAlert({ group_key: "checkout-errors", title: "Checkout errors", status: "firing", labels: { alertname: "Errors", route: "component" } });
    expect(first.status).toBe(202);
    await current.settle();
    const incident = await prisma.incident.findFirstOrThrow();
    expect(incident.components).toEqual(["checkout"]);

    const second = await postAlert({ group_key: "checkout-latency", title: "Checkout latency", status: "firing", labels: { alertname: "Latency", route: "component" } });
    expect(second.status).toBe(202);
    await current.settle();

    expect(await prisma.incident.count()).toBe(1);
    const attached = await prisma.alertGroup.findFirstOrThrow({ where: { groupKey: "checkout-latency" } });
    expect(attached.state).toBe("attached");
    expect(attached.incidentId).toBe(incident.id);
    expect((await timelineKinds(incident.id)).filter((kind) => kind === "alert_attached")).toHaveLength(1);
    expect(messageTexts(incident.channelId!).filter((text) => text.includes("Checkout latency"))).toHaveLength(1);
    expect(current.emulator.callsTo("conversations.create")).toHaveLength(1);
  });

  it("loses no incident when Slack cannot create its channel: the declaration is retried until it can, and later notifications land on it", async () => {
    const current = await startBot("alert-slack-down");
    // Slack answers channel creation with 503 until the outage ends (longer than the client's own retries).
    const outage = current.emulator.faults.add({ method: "conversations.create", kind: "server_error", status: 503 });
    const alert = { group_key: "slack-down", status: "firing", labels: { alertname: "CheckoutDown", route: "storm" } };
    expect((await postAlert(alert)).status).toBe(202);
    await current.settle();
    const [declaring] = await current.app.db.prisma.incident.findMany();
    expect(declaring, "the incident an alert declared is kept while Slack is down").toBeDefined();
    expect(declaring!.channelId).toBeNull();
    expect(await current.app.db.prisma.alertGroup.findFirstOrThrow()).toMatchObject({ state: "declared", incidentId: declaring!.id });

    // Slack is back: the durable declaration timer, retrying with backoff, creates the channel.
    outage.remove();
    for (let step = 0; step < 10 && !(await current.app.db.prisma.incident.findFirst({ where: { phase: "active" } })); step++) {
      await current.advance(minutes(1));
    }
    const active = await current.app.db.prisma.incident.findFirstOrThrow();
    expect(active).toMatchObject({ id: declaring!.id, phase: "active" });
    expect(active.channelId).not.toBeNull();
    expect(await current.app.db.prisma.incident.count()).toBe(1);

    // The monitor's resolution lands on that incident.
    expect((await postAlert({ ...alert, status: "resolved" })).status).toBe(202);
    await current.settle();
    expect(await timelineKinds(active.id)).toContain("alert_resolved");
  });

  it("refuses a missing or wrong token with 401 and a malformed body with 400, writing nothing", async () => {
    const current = await startBot("alert-refusals");
    const firing = { group_key: "refused", status: "firing", labels: { alertname: "Refused", route: "storm" } };

    expect((await postAlert(firing, "/alerts/generic", null)).status).toBe(401);
    expect((await postAlert(firing, "/alerts/generic", "not-the-token")).status).toBe(401);
    // Each source has its own secret: the generic one does not open Alertmanager's door.
    expect((await postAlert({ version: "4" }, "/alerts/alertmanager", genericToken)).status).toBe(401);
    expect((await postAlert(firing, "/alerts/alertmanager", null)).status).toBe(401);

    const notJson = await postAlert('{"status": "firing", "labels": {', "/alerts/generic");
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: expect.stringContaining("JSON") });
    expect((await postAlert({ status: "burning", labels: { alertname: "X" } }, "/alerts/generic")).status).toBe(400);
    expect((await postAlert({ status: "firing", labels: "not-a-map" }, "/alerts/generic")).status).toBe(400);
    expect((await postAlert([1, 2, 3], "/alerts/alertmanager", alertmanagerToken)).status).toBe(400);
    expect((await postAlert({ version: "4", alerts: "none" }, "/alerts/alertmanager", alertmanagerToken)).status).toBe(400);

    await current.settle();
    expect(await alertGroupCount()).toBe(0);
    expect(await current.app.db.prisma.alertInstance.count()).toBe(0);
    expect(await current.app.db.prisma.incident.count()).toBe(0);

    // The process is still there, and the right token is let in.
    expect((await postAlert(firing, "/alerts/generic")).status).toBe(202);
    expect(await alertGroupCount()).toBe(1);
  });
});
