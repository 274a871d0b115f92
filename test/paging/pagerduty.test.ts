import { afterEach, describe, expect, it } from "vitest";
import { loadPlaybook, type Playbook } from "../../src/core/config/playbook.ts";
import { pagingActionIds } from "../../src/capabilities/paging/views.ts";
import {
  type PagerDutyEmulator,
  signatureHeader,
  startPagerDutyEmulator,
} from "../../tools/emulators/pagerduty/index.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { ManualClock, minutes } from "../support/clock.ts";
import { defaultPlaybookFile } from "../support/paths.ts";
import { command, declareIncident } from "../support/scenario.ts";
import { tableDigests } from "../support/snapshots.ts";

/**
 * PagerDuty as a pager beyond Slack (issue #13), end to end on real HTTP:
 * the bot's Events API v2 calls go to the PagerDuty emulator, and the
 * emulator's signed v3 webhooks (people acting in PagerDuty) come back to
 * `POST /pagers/pagerduty/webhook`. The emulator runs on the bot's manual
 * clock, so an outage window is simulated time.
 */

// Monday 23 November 2026, 10:00 in London: alice is primary on call, bob secondary.
const monday = new Date("2026-11-23T10:00:00Z");
const webhookSecret = "test-pagerduty-webhook-secret";

let bot: TestBot | undefined;
let pagerduty: PagerDutyEmulator | undefined;
let channelId: string;
let incidentId: string;

afterEach(async () => {
  await bot?.dispose();
  await pagerduty?.close();
  bot = undefined;
  pagerduty = undefined;
});

/**
 * The default playbook, with the incident commander, the tech lead and the
 * comms lead paged on PagerDuty too. The declarer takes the commander role,
 * so it is never paged; the exec sponsor stays on Slack only.
 */
function pagerDutyPlaybook(): Playbook {
  const book = loadPlaybook(defaultPlaybookFile);
  const onPagerDuty = new Set(["incident_commander", "tech_lead", "comms_lead"]);
  return {
    ...book,
    // Nobody on PagerDuty is known as a Slack user unless a test says so.
    pagerUsers: {},
    roles: Object.fromEntries(
      Object.entries(book.roles).map(([id, role]) => [id, onPagerDuty.has(id) ? { ...role, pager: "pagerduty" as const } : role]),
    ),
  };
}

/** The PagerDuty emulator and a bot routed to its Checkout API service, subscribed to its webhooks; one SEV1 declared by bob. */
async function startWithIncident(
  text: string,
  before?: (pd: PagerDutyEmulator, clock: ManualClock) => void,
  playbook: Playbook = pagerDutyPlaybook(),
) {
  const clock = new ManualClock(monday);
  pagerduty = await startPagerDutyEmulator({ now: () => clock.now().getTime(), webhookRetry: { backoffMs: [10, 10] } });
  bot = await startTestBot({
    label: "pagerduty",
    clock,
    playbook,
    env: {
      PAGERDUTY_ROUTING_KEY: pagerduty.world.services[0]!.integrationKey,
      PAGERDUTY_EVENTS_URL: pagerduty.baseUrl,
      PAGERDUTY_WEBHOOK_SECRET: webhookSecret,
    },
  });
  pagerduty.webhooks.subscribe({ url: `${bot.app.url}/pagers/pagerduty/webhook`, secret: webhookSecret });
  before?.(pagerduty, clock);
  const incident = await declareIncident(bot, text, { userId: "U0BOB" });
  channelId = incident.channelId;
  incidentId = incident.id;
  // The emulator's own incident.triggered deliveries have been answered.
  await pagerduty.webhooks.idle();
}

const dedupKey = (role: string) => `incident-bot:${incidentId}:${role}`;
const pdIncidentsFor = (role: string) => pagerduty!.world.incidents.filter((i) => i.incidentKey === dedupKey(role));
const pdIncidentFor = (role: string) => {
  const found = pdIncidentsFor(role);
  expect(found, `PagerDuty incidents for ${role}`).toHaveLength(1);
  return found[0]!;
};
const answeredCalls = (action: "trigger" | "acknowledge" | "resolve") =>
  pagerduty!.callsTo(action).filter((call) => call.status === 202);
const keysOf = (calls: { body: unknown }[]) => calls.map((call) => (call.body as { dedup_key: string }).dedup_key).sort();
const pageDmsTo = (userId: string, roleLabel: string) => {
  const dm = bot!.emulator.world.dmWith(userId);
  return (dm ? bot!.emulator.world.messages(dm.id) : []).filter(
    (m) => m.text.startsWith("You are paged") && m.text.includes(roleLabel),
  );
};
const channelTexts = () => bot!.emulator.world.messages(channelId).map((m) => m.text);
const alertRow = (role: string) => bot!.app.db.prisma.pagerAlert.findUniqueOrThrow({ where: { dedupKey: dedupKey(role) } });

/** A v3 delivery made by hand (late or forged), signed with `secret` unless told otherwise. */
function postWebhook(body: string, signature: string | undefined) {
  return fetch(`${bot!.app.url}/pagers/pagerduty/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(signature ? { "x-pagerduty-signature": signature } : {}) },
    body,
  });
}
const acknowledgedEvent = (key: string) =>
  JSON.stringify({
    event: {
      id: "01LATEACK000000000000000000",
      event_type: "incident.acknowledged",
      resource_type: "incident",
      agent: { id: "PCAROL3", type: "user_reference", summary: "Carol Chen" },
      data: { id: "PLATE01", type: "incident", incident_key: key, status: "acknowledged" },
    },
  });

describe("PagerDuty pages", () => {
  it("declaring a SEV1 triggers one PagerDuty incident per paged role with pager: pagerduty, besides the Slack DMs", async () => {
    await startWithIncident("sev1 Checkout API returning 500s");

    // Slack pages as before.
    expect(pageDmsTo("U0ALICE", "Technical lead")).toHaveLength(1);
    expect(pageDmsTo("U0CAROL", "Communications lead")).toHaveLength(1);
    expect(pageDmsTo("U0DAVE", "Executive sponsor")).toHaveLength(1);

    // PagerDuty: tech lead and comms lead; not the commander (bob holds it) nor the exec sponsor (Slack only).
    expect(keysOf(answeredCalls("trigger"))).toEqual([dedupKey("comms_lead"), dedupKey("tech_lead")].sort());
    const techLead = pdIncidentFor("tech_lead");
    expect(techLead.status).toBe("triggered");
    expect(techLead.alerts[0]!.severity).toBe("critical");
    expect(techLead.alerts[0]!.summary).toBe("INC-1: Checkout API returning 500s · SEV1 · Technical lead needed");
    expect(pdIncidentFor("comms_lead").status).toBe("triggered");
    expect(pdIncidentsFor("incident_commander")).toHaveLength(0);
    expect(pdIncidentsFor("exec_sponsor")).toHaveLength(0);

    // Escalating to level 2 pages the next people on Slack but opens nothing more on PagerDuty.
    await bot!.advance(minutes(5));
    expect(pageDmsTo("U0BOB", "Technical lead")).toHaveLength(1);
    expect(answeredCalls("trigger")).toHaveLength(2);
    expect(pdIncidentFor("tech_lead").alerts[0]!.eventCount).toBe(1);
    const timeline = await bot!.app.db.prisma.timelineEvent.findMany({ where: { kind: "pager_triggered" } });
    expect(timeline.map((e) => (e.data as { role: string }).role).sort()).toEqual(["comms_lead", "tech_lead"]);
  });

  it("an ack in PagerDuty stops the role's escalation in the bot and says so in the channel", async () => {
    await startWithIncident("sev1 Checkout API returning 500s");
    const ackedAt = bot!.clock.now();
    const { deliveries } = await pagerduty!.acknowledge(dedupKey("tech_lead"), { by: "PALICE1" });
    expect(deliveries.map((d) => [d.eventType, d.status])).toEqual([["incident.acknowledged", 200]]);
    await bot!.settle();

    expect(await alertRow("tech_lead")).toMatchObject({
      state: "acknowledged",
      deliveredState: "acknowledged",
      acknowledgedBy: "Alice Archer",
      acknowledgedAt: ackedAt,
    });
    const incident = await bot!.app.db.prisma.incident.findUniqueOrThrow({ where: { id: incidentId } });
    expect(incident.acknowledgedAt).toEqual(ackedAt);
    expect(channelTexts()).toContain(
      "✅ The Technical lead page was acknowledged in PagerDuty by Alice Archer. The bot stopped escalating it; `/incident role` seats whoever takes the role.",
    );
    const pages = await bot!.app.db.prisma.page.findMany({ where: { role: "tech_lead" } });
    expect(pages.map((p) => p.state)).toEqual(["superseded"]);
    expect(await bot!.app.db.prisma.timelineEvent.count({ where: { kind: "pager_acknowledged" } })).toBe(1);

    // Past level 2's delay: the tech lead is not paged again; the comms lead, not acknowledged, escalates on.
    await bot!.advance(minutes(6));
    expect(pageDmsTo("U0BOB", "Technical lead")).toHaveLength(0);
    expect(pageDmsTo("U0DAVE", "Communications lead")).toHaveLength(1);
    // PagerDuty already shows the ack: the bot does not send it back.
    expect(pagerduty!.callsTo("acknowledge")).toHaveLength(0);
    expect(pdIncidentFor("tech_lead").status).toBe("acknowledged");
  });

  it("a pager user the playbook maps to a Slack user takes the role by acknowledging in PagerDuty", async () => {
    await startWithIncident("sev1 Checkout API returning 500s", undefined, { ...pagerDutyPlaybook(), pagerUsers: { PALICE1: "U0ALICE" } });
    await pagerduty!.acknowledge(dedupKey("tech_lead"), { by: "PALICE1" });
    await bot!.settle();

    const roles = await bot!.app.db.prisma.roleAssignment.findMany({ where: { incidentId, role: "tech_lead" } });
    expect(roles.map((r) => [r.userId, r.assignedBy])).toEqual([["U0ALICE", null]]);
    const alicesPage = await bot!.app.db.prisma.page.findFirstOrThrow({ where: { incidentId, role: "tech_lead", userId: "U0ALICE" } });
    expect(alicesPage.state).toBe("acknowledged");
    expect(channelTexts()).toContain(
      "✅ The Technical lead page was acknowledged in PagerDuty by Alice Archer (<@U0ALICE>, who takes the role). The bot stopped escalating it.",
    );
    // Someone unknown to the playbook (carol) acknowledging the comms lead's page takes no role.
    await pagerduty!.acknowledge(dedupKey("comms_lead"), { by: "PCAROL3" });
    await bot!.settle();
    expect(await bot!.app.db.prisma.roleAssignment.count({ where: { incidentId, role: "comms_lead" } })).toBe(0);
  });

  it("resolving in Slack resolves the PagerDuty incidents; a late ack afterwards changes nothing", async () => {
    await startWithIncident("sev1 Checkout API returning 500s");
    await command(bot!, "resolve Rolled back", { userId: "U0BOB", channelId });
    await pagerduty!.webhooks.idle();

    expect(keysOf(answeredCalls("resolve"))).toEqual([dedupKey("comms_lead"), dedupKey("tech_lead")].sort());
    expect(pdIncidentFor("tech_lead").status).toBe("resolved");
    expect(pdIncidentFor("comms_lead").status).toBe("resolved");
    expect(await alertRow("tech_lead")).toMatchObject({ state: "resolved", deliveredState: "resolved" });

    // PagerDuty (or a replay) reports an ack of the comms-lead incident after the fact.
    const before = await tableDigests(bot!.app.db.prisma);
    const postsBefore = bot!.emulator.world.messages(channelId).length;
    const body = acknowledgedEvent(dedupKey("comms_lead"));
    const response = await postWebhook(body, signatureHeader(webhookSecret, body));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ignored" });
    await bot!.settle();
    expect(await tableDigests(bot!.app.db.prisma)).toEqual(before);
    expect(bot!.emulator.world.messages(channelId)).toHaveLength(postsBefore);
  });

  it("a 10-minute PagerDuty outage loses and doubles nothing", async () => {
    await startWithIncident("sev1 Checkout API returning 500s");
    expect(answeredCalls("trigger")).toHaveLength(2);

    // PagerDuty answers 503 to everything for the next 10 minutes of the shared clock.
    const outageEnds = bot!.clock.now().getTime() + minutes(10);
    pagerduty!.faults.add({ kind: "server_error", status: 503, untilMs: outageEnds });

    // During it, alice acknowledges her Slack page, then the incident is resolved.
    await bot!.advance(minutes(1));
    const page = await bot!.app.db.prisma.page.findFirstOrThrow({ where: { role: "tech_lead", userId: "U0ALICE" } });
    await bot!.send.blockAction(
      { action_id: pagingActionIds.acknowledge, value: page.id },
      { userId: "U0ALICE", channelId: bot!.emulator.world.dmWith("U0ALICE")!.id },
    );
    await bot!.settle();
    await bot!.advance(minutes(1));
    await command(bot!, "resolve Rolled back", { userId: "U0BOB", channelId });
    // Settling moves the clock over short deferrals too: step by the minute up to the outage's last one.
    while (bot!.clock.now().getTime() + minutes(1) < outageEnds) await bot!.advance(minutes(1));
    expect(bot!.clock.now().getTime()).toBeLessThan(outageEnds);
    expect(pdIncidentFor("tech_lead").status).toBe("triggered");
    const failed = pagerduty!.calls.filter((call) => call.status === 503);
    expect(failed.length).toBeGreaterThan(2);

    // Past the outage, within the longest backoff (2 minutes), each alert catches up once. The
    // tech lead's alert goes straight from triggered to resolved: the resolve supersedes the ack.
    for (let minute = 0; minute < 3; minute++) await bot!.advance(minutes(1));
    await pagerduty!.webhooks.idle();
    expect(answeredCalls("trigger")).toHaveLength(2);
    expect(answeredCalls("acknowledge")).toHaveLength(0);
    expect(keysOf(answeredCalls("resolve"))).toEqual([dedupKey("comms_lead"), dedupKey("tech_lead")].sort());
    for (const role of ["tech_lead", "comms_lead"]) {
      const pd = pdIncidentFor(role);
      expect(pd.status, role).toBe("resolved");
      expect(pd.logEntries.map((entry) => entry.type), role).toEqual(["trigger", "resolve"]);
      expect(pd.alerts[0]!.eventCount, role).toBe(1);
      expect(await alertRow(role), role).toMatchObject({ state: "resolved", deliveredState: "resolved" });
    }
    expect(await bot!.app.db.prisma.timer.count({ where: { kind: "pager.deliver", state: "pending" } })).toBe(0);
  });

  it("an incident resolved before PagerDuty came back wakes nobody there", async () => {
    // The outage starts before the declaration: no trigger gets through before the resolve.
    await startWithIncident("sev1 Checkout API returning 500s", (pd, clock) => {
      pd.faults.add({ kind: "server_error", status: 503, untilMs: clock.now().getTime() + minutes(10) });
    });
    expect(pagerduty!.callsTo("trigger").length).toBeGreaterThan(0);
    await command(bot!, "resolve False alarm", { userId: "U0BOB", channelId });
    for (let minute = 0; minute < 13; minute++) await bot!.advance(minutes(1));
    expect(pagerduty!.world.incidents).toHaveLength(0);
    expect(await alertRow("tech_lead")).toMatchObject({ state: "resolved", deliveredState: "resolved" });
    expect(await bot!.app.db.prisma.timer.count({ where: { kind: "pager.deliver", state: "pending" } })).toBe(0);
  });
});

describe("POST /pagers/pagerduty/webhook", () => {
  it("refuses a forged or unsigned delivery with 401 and changes nothing", async () => {
    await startWithIncident("sev1 Checkout API returning 500s");
    const before = await tableDigests(bot!.app.db.prisma);
    const body = acknowledgedEvent(dedupKey("tech_lead"));

    const wrong = await postWebhook(body, signatureHeader("not-the-secret", body));
    expect(wrong.status).toBe(401);
    const unsigned = await postWebhook(body, undefined);
    expect(unsigned.status).toBe(401);
    // Signed for another body: the signature covers every byte.
    const tampered = await postWebhook(body.replace("Carol Chen", "Mallory"), signatureHeader(webhookSecret, body));
    expect(tampered.status).toBe(401);
    // Correctly signed but not JSON: a clear 400, not a crash.
    const garbage = "{not json";
    const malformed = await postWebhook(garbage, signatureHeader(webhookSecret, garbage));
    expect(malformed.status).toBe(400);

    await bot!.settle();
    expect(await tableDigests(bot!.app.db.prisma)).toEqual(before);
    expect((await alertRow("tech_lead")).state).toBe("triggered");
    // The bot still answers and escalates as before.
    await bot!.advance(minutes(5));
    expect(pageDmsTo("U0BOB", "Technical lead")).toHaveLength(1);
  });
});
