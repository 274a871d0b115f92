import { afterEach, describe, expect, it } from "vitest";
import { loadPlaybook, type Playbook } from "../../src/core/config/playbook.ts";
import { type OpsgenieEmulator, startOpsgenieEmulator } from "../../tools/emulators/opsgenie/index.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { ManualClock, minutes } from "../support/clock.ts";
import { defaultPlaybookFile } from "../support/paths.ts";
import { command, declareIncident } from "../support/scenario.ts";
import { tableDigests } from "../support/snapshots.ts";

/**
 * Opsgenie as a pager beyond Slack (issue #13), the lifecycle at a smaller
 * scale than the PagerDuty suite: the bot's Alert API calls go to the
 * Opsgenie emulator, whose webhook integration (authenticated by the
 * `Authorization: Bearer` header it is configured to send) comes back to
 * `POST /pagers/opsgenie/webhook`.
 */

// Monday 23 November 2026, 10:00 in London: alice is primary on call, bob secondary.
const monday = new Date("2026-11-23T10:00:00Z");
const webhookToken = "test-opsgenie-webhook-token";

let bot: TestBot | undefined;
let opsgenie: OpsgenieEmulator | undefined;
let channelId: string;
let incidentId: string;

afterEach(async () => {
  await bot?.dispose();
  await opsgenie?.close();
  bot = undefined;
  opsgenie = undefined;
});

/** The default playbook with the tech lead, and only the tech lead, paged on Opsgenie too; nobody there known as a Slack user. */
function opsgeniePlaybook(): Playbook {
  const book = loadPlaybook(defaultPlaybookFile);
  const roles = Object.fromEntries(
    Object.entries(book.roles).map(([id, role]) => [id, role.pager === "opsgenie" ? { ...role, pager: "slack" as const } : role]),
  );
  return { ...book, pagerUsers: {}, roles: { ...roles, tech_lead: { ...book.roles.tech_lead!, pager: "opsgenie" } } };
}

/** The Opsgenie emulator, a bot using its API key with its webhook integration pointed at the bot; one SEV1 declared by bob. */
async function startWithIncident() {
  const clock = new ManualClock(monday);
  opsgenie = await startOpsgenieEmulator({ now: () => clock.now().getTime(), webhookRetry: { backoffMs: [10, 10] } });
  bot = await startTestBot({
    label: "opsgenie",
    clock,
    playbook: opsgeniePlaybook(),
    env: { OPSGENIE_API_KEY: opsgenie.apiKey, OPSGENIE_API_URL: opsgenie.apiUrl, OPSGENIE_WEBHOOK_TOKEN: webhookToken },
  });
  opsgenie.webhooks.add({
    url: `${bot.app.url}/pagers/opsgenie/webhook`,
    headers: { authorization: `Bearer ${webhookToken}` },
  });
  const incident = await declareIncident(bot, "sev1 Checkout API returning 500s", { userId: "U0BOB" });
  channelId = incident.channelId;
  incidentId = incident.id;
  // The emulator's own Create delivery has been answered.
  await opsgenie.webhooks.idle();
}

const alias = () => `incident-bot:${incidentId}:tech_lead`;
const alertsFor = (key: string) => opsgenie!.world.alerts.filter((alert) => alert.alias === key);
const techLeadDmsTo = (userId: string) => {
  const dm = bot!.emulator.world.dmWith(userId);
  return (dm ? bot!.emulator.world.messages(dm.id) : []).filter(
    (m) => m.text.startsWith("You are paged") && m.text.includes("Technical lead"),
  );
};
const alertRow = () => bot!.app.db.prisma.pagerAlert.findUniqueOrThrow({ where: { dedupKey: alias() } });

describe("Opsgenie pages", () => {
  it("opens one alert, stops escalating on an ack there, and closes it when the incident is resolved", async () => {
    await startWithIncident();
    expect(techLeadDmsTo("U0ALICE")).toHaveLength(1);
    const [alert] = alertsFor(alias());
    expect(alertsFor(alias())).toHaveLength(1);
    expect(alert).toMatchObject({ status: "open", acknowledged: false, priority: "P1", count: 1 });
    expect(alert!.message).toBe("INC-1: Checkout API returning 500s · SEV1 · Technical lead needed");
    // Only the role with pager: opsgenie.
    expect(opsgenie!.world.alerts).toHaveLength(1);

    // Alice acknowledges in Opsgenie; the webhook carries the bearer token.
    const { deliveries } = await opsgenie!.acknowledge(alias(), { user: "alice@example.com" });
    expect(deliveries.map((d) => [d.action, d.status])).toEqual([["Acknowledge", 200]]);
    await bot!.settle();
    expect(await alertRow()).toMatchObject({ state: "acknowledged", deliveredState: "acknowledged", acknowledgedBy: "alice@example.com" });
    expect(bot!.emulator.world.messages(channelId).map((m) => m.text)).toContain(
      "✅ The Technical lead page was acknowledged in Opsgenie by alice@example.com. The bot stopped escalating it; `/incident role` seats whoever takes the role.",
    );

    // Past level 2's delay: bob (secondary) is not paged as tech lead.
    await bot!.advance(minutes(6));
    expect(techLeadDmsTo("U0BOB")).toHaveLength(0);
    expect(opsgenie!.callsTo("POST /v2/alerts/:identifier/acknowledge")).toHaveLength(0);

    await command(bot!, "resolve Rolled back", { userId: "U0BOB", channelId });
    await opsgenie!.webhooks.idle();
    const closes = opsgenie!.callsTo("POST /v2/alerts/:identifier/close");
    expect(closes.map((call) => [call.status, call.query.identifierType])).toEqual([[202, "alias"]]);
    expect(alertsFor(alias())).toHaveLength(1);
    expect(alertsFor(alias())[0]!.status).toBe("closed");
    expect(await alertRow()).toMatchObject({ state: "resolved", deliveredState: "resolved" });
    expect(opsgenie!.callsTo("POST /v2/alerts").filter((call) => call.status === 202)).toHaveLength(1);
  });
});

describe("POST /pagers/opsgenie/webhook", () => {
  it("refuses a wrong or missing bearer token with 401 and changes nothing", async () => {
    await startWithIncident();
    const before = await tableDigests(bot!.app.db.prisma);
    const body = JSON.stringify({
      action: "Acknowledge",
      alert: { alertId: "forged", alias: alias(), username: "mallory@example.com" },
    });
    const post = (headers: Record<string, string>) =>
      fetch(`${bot!.app.url}/pagers/opsgenie/webhook`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

    expect((await post({ authorization: "Bearer not-the-token" })).status).toBe(401);
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: webhookToken })).status).toBe(401); // not a Bearer header
    await bot!.settle();
    expect(await tableDigests(bot!.app.db.prisma)).toEqual(before);
    expect((await alertRow()).state).toBe("triggered");

    await bot!.advance(minutes(5));
    expect(techLeadDmsTo("U0BOB")).toHaveLength(1);
  });
});
