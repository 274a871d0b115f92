import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPlaybook, type Playbook } from "../../src/core/config/playbook.ts";
import { type GitHubEmulator, startGitHubEmulator } from "../../tools/emulators/github/index.ts";
import { startSlackEmulator } from "../../tools/emulators/slack/index.ts";
import { newTriggerId } from "../../tools/emulators/slack/signed-requests.ts";
import { defaultSeed } from "../../tools/emulators/slack/world.ts";
import { noticeActionIds, noticeBlockIds, noticeCallbackId } from "../../src/capabilities/notices/views.ts";
import { markActionItemDoneActionId } from "../../src/capabilities/followups/action-items.ts";
import { actionItemBlockIds, actionItemModalCallbackId, captureShortcutIds } from "../../src/capabilities/followups/capture-views.ts";
import { ownerBlockPrefix, postmortemActionIds } from "../../src/capabilities/followups/postmortem/views.ts";
import { actionIds, callbackIds, declareBlockIds, updateBlockIds } from "../../src/capabilities/incidents/views.ts";
import { checklistActionIds } from "../../src/capabilities/checklists/views.ts";
import { pagingActionIds } from "../../src/capabilities/paging/views.ts";
import { triageActionIds } from "../../src/capabilities/alerts/views.ts";
import { createMetadataSeal } from "../../src/adapters/slack/view-metadata.ts";
import { signingSecret, startTestBot, type TestBot } from "../support/bot.ts";
import { ManualClock } from "../support/clock.ts";
import { defaultPlaybookFile } from "../support/paths.ts";
import { quietPlaybook } from "../support/playbooks.ts";
import { slackReadMethods, tableDigests } from "../support/snapshots.ts";

/**
 * The authorization matrix: every entry point the bot registers (read from
 * the router, not from a list kept here) × every kind of actor × a public and
 * a private incident. Each entry point has cases below saying what it should
 * need; an entry point without a case fails the first test.
 *
 * On every refusal: the person gets one ephemeral refusal (or the form shows
 * it), no row is written or changed, Slack is asked to change nothing, and
 * GitHub is not called. On every "allow", the person gets no refusal.
 */

const actors = {
  ic: "U0ALICE",
  roleHolder: "U0CAROL",
  member: "U0BOB",
  outsider: "U0DAVE",
  admin: "U0ERIN",
} as const;
type ActorKind = keyof typeof actors;
type Kind = "public" | "private";

/** What an entry point needs, in the playbook's terms (the default playbook's permissions). */
type Need =
  | "open"
  | "view"
  | "contribute"
  | "changeSeverity"
  | "resolve"
  | "assignRoles"
  | "publishStatus"
  | "approveNotice"
  | "answerPage"
  /** A triage message's buttons: the members of the triage channel (all but the outsider) and admins. */
  | "triage";

/** Who may, by the rules the issue states: private incidents only for those inside, plus admins. */
function allowed(need: Need, actor: ActorKind, kind: Kind): boolean {
  if (need === "open") return true;
  if (need === "triage") return actor !== "outsider";
  if (need === "answerPage") return actor === "member"; // the page in each incident is for the member
  const inside = kind === "public" || actor !== "outsider";
  if (need === "view" || need === "contribute") return inside;
  if (actor === "admin" || actor === "ic") return true;
  // The role holder is the comms lead: changeSeverity, publishStatus and approveNotice list it.
  if (actor === "roleHolder") return need === "changeSeverity" || need === "publishStatus" || need === "approveNotice";
  return false;
}

interface Fixture {
  kind: Kind;
  id: string;
  number: number;
  channelId: string;
  introTs: string;
  noticeId: string;
  itemId: string;
  pageId: string;
  checklistBlock: string;
  checklistItem: string;
  /** One alert group waiting in the triage channel per triage button. */
  triageGroups: Record<"declare" | "dismiss" | "snooze", string>;
}

type Sent = { response: Response; refusal: "reply" | "form" | "silent" };

interface Case {
  /** `kind:id` of the entry point, as the router lists it. */
  entry: string;
  label: string;
  need: Need;
  send(actor: string, incident: Fixture): Promise<Sent>;
}

const secretTitle = "Payroll export leaked";
const seal = createMetadataSeal(signingSecret);
let bot: TestBot;
let github: GitHubEmulator;
const fixtures: Partial<Record<Kind, Fixture>> = {};
let eventCounter = 0;

const triageChannel = "C0TRIAGE";
const alertsToken = "matrix-alerts-token";

function playbookWithAdmin(): Playbook {
  const quiet = quietPlaybook();
  return {
    ...quiet,
    checklists: loadPlaybook(defaultPlaybookFile).checklists,
    permissions: { ...quiet.permissions, admins: [actors.admin] },
    // No route: every alert waits in the triage channel for a person.
    alerts: { triageChannel, routes: [], snoozeMinutes: 60 },
  };
}

/** Posts one generic alert; it becomes a group waiting in the triage channel. */
async function alertWaitingForTriage(groupKey: string): Promise<string> {
  const response = await fetch(`${bot.app.url}/alerts/generic`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${alertsToken}` },
    body: JSON.stringify({ group_key: groupKey, status: "firing", labels: { alertname: "DiskFull", instance: groupKey } }),
  });
  expect(response.status).toBe(202);
  await bot.settle();
  const group = await bot.app.db.prisma.alertGroup.findFirstOrThrow({ where: { groupKey } });
  expect(group.state).toBe("triage");
  return group.id;
}

const triageButton = (actionId: string, which: keyof Fixture["triageGroups"]) => async (userId: string, incident: Fixture): Promise<Sent> => ({
  response: await bot.send.blockAction({ action_id: actionId, value: incident.triageGroups[which] }, { userId, channelId: triageChannel }),
  refusal: "reply",
});

const command = (text: string) => async (userId: string): Promise<Sent> => ({
  response: await bot.send.slashCommand(text, { userId, channelId: "C0GENERAL" }),
  refusal: "reply",
});

const button =
  (actionId: string, value: (incident: Fixture) => string | undefined, extra: Record<string, unknown> = {}) =>
  async (userId: string, incident: Fixture): Promise<Sent> => ({
    response: await bot.send.blockAction(
      { action_id: actionId, ...(value(incident) !== undefined ? { value: value(incident)! } : {}), ...extra },
      { userId, channelId: incident.channelId },
    ),
    refusal: "reply",
  });

const form =
  (callbackId: string, fields: (incident: Fixture) => Record<string, string>, values: Record<string, Record<string, unknown>>) =>
  async (userId: string, incident: Fixture): Promise<Sent> => ({
    // Sealed for this person, as if they had opened it (earlier, or before losing access).
    response: await bot.send.viewSubmission(
      {
        callback_id: callbackId,
        private_metadata: seal.seal({ type: "modal", title: { type: "plain_text", text: "x" }, blocks: [], private_metadata: JSON.stringify(fields(incident)) }, userId).private_metadata!,
        values,
      },
      userId,
    ),
    refusal: "form",
  });

const shortcut = (callbackId: string) => async (userId: string, incident: Fixture): Promise<Sent> => ({
  response: await bot.send.interactive({
    type: "message_action",
    callback_id: callbackId,
    trigger_id: newTriggerId(),
    team: { id: "T0TEAM", domain: "example" },
    user: { id: userId, name: userId.toLowerCase() },
    channel: { id: incident.channelId, name: "incident" },
    message: { type: "message", ts: incident.introTs, text: "We rolled back the deploy", user: actors.ic },
    response_url: bot.emulator.responseUrl(incident.channelId, userId),
    message_ts: incident.introTs,
    action_ts: String(Date.now() / 1000),
  }),
  refusal: "reply",
});

const event = (body: (userId: string, incident: Fixture) => Record<string, unknown>) =>
  async (userId: string, incident: Fixture): Promise<Sent> => ({
    response: await bot.send.event(body(userId, incident), { eventId: `EvMatrix${++eventCounter}` }),
    refusal: "silent",
  });

const text = (value: string) => ({ value: { type: "plain_text_input", value } });
const select = (value: string) => ({ value: { type: "static_select", selected_option: { value } } });

const cases: Case[] = [
  { entry: "subcommand:declare", label: "declare sev3 <title>", need: "open", send: command("declare sev3 Another outage") },
  { entry: "subcommand:update", label: "update monitoring", need: "contribute", send: (u, i) => command(`update INC-${i.number} monitoring Watching it`)(u) },
  { entry: "subcommand:update", label: "update resolved", need: "resolve", send: (u, i) => command(`update INC-${i.number} resolved Fixed`)(u) },
  { entry: "subcommand:update", label: "update --public", need: "publishStatus", send: (u, i) => command(`update INC-${i.number} identified Cause found --public`)(u) },
  { entry: "subcommand:status", label: "status", need: "view", send: (u, i) => command(`status INC-${i.number}`)(u) },
  { entry: "subcommand:list", label: "list", need: "open", send: (u) => command("list")(u) },
  { entry: "subcommand:severity", label: "severity", need: "changeSeverity", send: (u, i) => command(`severity INC-${i.number} sev3`)(u) },
  { entry: "subcommand:resolve", label: "resolve", need: "resolve", send: (u, i) => command(`resolve INC-${i.number} Done`)(u) },
  { entry: "subcommand:reopen", label: "reopen", need: "resolve", send: (u, i) => command(`reopen INC-${i.number}`)(u) },
  { entry: "subcommand:page", label: "page a person", need: "contribute", send: (u, i) => command(`page INC-${i.number} <@U0BOB|bob> look`)(u) },
  { entry: "subcommand:role", label: "role", need: "assignRoles", send: (u, i) => command(`role INC-${i.number} tech_lead <@U0ALICE|alice>`)(u) },
  { entry: "subcommand:playbook", label: "playbook", need: "open", send: (u) => command("playbook")(u) },
  { entry: "subcommand:email", label: "email", need: "contribute", send: (u, i) => command(`email INC-${i.number}`)(u) },
  { entry: "subcommand:action", label: "action", need: "contribute", send: (u, i) => command(`action INC-${i.number} Add an alert`)(u) },
  { entry: "subcommand:actions", label: "actions INC-n", need: "view", send: (u, i) => command(`actions INC-${i.number}`)(u) },
  { entry: "subcommand:actions", label: "actions all", need: "open", send: (u) => command("actions all")(u) },
  { entry: "subcommand:postmortem", label: "postmortem", need: "contribute", send: (u, i) => command(`postmortem INC-${i.number}`)(u) },

  { entry: `action:${actionIds.postUpdate}`, label: "Post update", need: "contribute", send: button(actionIds.postUpdate, (i) => i.id) },
  { entry: `action:${actionIds.snoozeReminder}`, label: "Snooze", need: "contribute", send: button(actionIds.snoozeReminder, (i) => i.id) },
  { entry: `action:${actionIds.showStatus}`, label: "Show status", need: "view", send: button(actionIds.showStatus, (i) => i.id) },
  { entry: `action:${noticeActionIds.draft}`, label: "Draft notice", need: "contribute", send: button(noticeActionIds.draft, (i) => i.id) },
  { entry: `action:${noticeActionIds.edit}`, label: "Edit notice", need: "contribute", send: button(noticeActionIds.edit, (i) => i.noticeId) },
  { entry: `action:${noticeActionIds.approve}`, label: "Approve notice", need: "approveNotice", send: button(noticeActionIds.approve, (i) => i.noticeId) },
  { entry: `action:${pagingActionIds.acknowledge}`, label: "Acknowledge page", need: "answerPage", send: button(pagingActionIds.acknowledge, (i) => i.pageId) },
  { entry: `action:${markActionItemDoneActionId}`, label: "Mark done", need: "contribute", send: button(markActionItemDoneActionId, (i) => i.itemId) },
  { entry: `action:${postmortemActionIds.takeOwnership}`, label: "Own postmortem", need: "contribute", send: button(postmortemActionIds.takeOwnership, (i) => i.id) },
  {
    entry: `action:${postmortemActionIds.chooseOwner}`,
    label: "Choose postmortem owner",
    need: "contribute",
    send: (u, i) => button(postmortemActionIds.chooseOwner, () => undefined, { type: "users_select", block_id: `${ownerBlockPrefix}${i.id}`, selected_user: actors.ic })(u, i),
  },
  {
    entry: `action:${checklistActionIds.toggle}`,
    label: "Tick checklist",
    need: "contribute",
    send: (u, i) => button(checklistActionIds.toggle, () => undefined, { type: "checkboxes", block_id: i.checklistBlock, selected_options: [{ value: i.checklistItem }] })(u, i),
  },

  { entry: `action:${triageActionIds.declare}`, label: "Declare from triage", need: "triage", send: triageButton(triageActionIds.declare, "declare") },
  { entry: `action:${triageActionIds.dismiss}`, label: "Dismiss from triage", need: "triage", send: triageButton(triageActionIds.dismiss, "dismiss") },
  { entry: `action:${triageActionIds.snooze}`, label: "Snooze from triage", need: "triage", send: triageButton(triageActionIds.snooze, "snooze") },

  {
    entry: `view:${callbackIds.declare}`,
    label: "Declare form",
    need: "open",
    send: async (u) => ({
      response: await bot.send.viewSubmission(
        { callback_id: callbackIds.declare, values: { [declareBlockIds.title]: text("From the form"), [declareBlockIds.severity]: select("SEV4") } },
        u,
      ),
      refusal: "form",
    }),
  },
  {
    entry: `view:${callbackIds.update}`,
    label: "Update form (monitoring)",
    need: "contribute",
    send: form(callbackIds.update, (i) => ({ incidentId: i.id }), { [updateBlockIds.status]: select("monitoring"), [updateBlockIds.message]: text("From the form") }),
  },
  {
    entry: `view:${callbackIds.update}`,
    label: "Update form (resolved)",
    need: "resolve",
    send: form(callbackIds.update, (i) => ({ incidentId: i.id }), { [updateBlockIds.status]: select("resolved"), [updateBlockIds.message]: text("Fixed") }),
  },
  {
    entry: `view:${callbackIds.update}`,
    label: "Update form (public)",
    need: "publishStatus",
    send: form(callbackIds.update, (i) => ({ incidentId: i.id }), {
      [updateBlockIds.status]: select("identified"),
      [updateBlockIds.message]: text("Public words"),
      [updateBlockIds.visibility]: { value: { type: "checkboxes", selected_options: [{ value: "public" }] } },
    }),
  },
  {
    entry: `view:${noticeCallbackId}`,
    label: "Notice form",
    need: "contribute",
    send: form(noticeCallbackId, (i) => ({ incidentId: i.id, phase: "investigating" }), {
      [noticeBlockIds.subject]: text("Subject"),
      [noticeBlockIds.body]: text("Body"),
    }),
  },
  {
    entry: `view:${actionItemModalCallbackId}`,
    label: "Action item form",
    need: "contribute",
    send: form(actionItemModalCallbackId, (i) => ({ incidentId: i.id, channelId: i.channelId, ts: i.introTs }), {
      [actionItemBlockIds.text]: text("Follow up from the form"),
    }),
  },

  { entry: `shortcut:${captureShortcutIds.addToTimeline}`, label: "Add to timeline", need: "contribute", send: shortcut(captureShortcutIds.addToTimeline) },
  { entry: `shortcut:${captureShortcutIds.addActionItem}`, label: "Add as action item", need: "contribute", send: shortcut(captureShortcutIds.addActionItem) },

  {
    entry: "event:reaction_added",
    label: "📌 reaction",
    need: "contribute",
    send: event((userId, i) => ({ type: "reaction_added", user: userId, reaction: "pushpin", item: { type: "message", channel: i.channelId, ts: i.introTs } })),
  },
  { entry: "event:app_home_opened", label: "App Home", need: "open", send: event((userId) => ({ type: "app_home_opened", user: userId, tab: "home", channel: "D0HOME" })) },
  { entry: "event:member_joined_channel", label: "member joined", need: "open", send: event((userId, i) => ({ type: "member_joined_channel", user: userId, channel: i.channelId })) },
  { entry: "event:member_left_channel", label: "member left", need: "open", send: event((_userId, i) => ({ type: "member_left_channel", user: "U0NOBODY", channel: i.channelId })) },
];

async function declare(kind: Kind): Promise<Fixture> {
  const { prisma } = bot.app.db;
  if (kind === "public") {
    await bot.send.slashCommand("declare sev2 Checkout API returning 500s", { userId: actors.ic });
  } else {
    await bot.send.viewSubmission(
      {
        callback_id: callbackIds.declare,
        values: {
          [declareBlockIds.title]: text(secretTitle),
          [declareBlockIds.severity]: select("SEV2"),
          [declareBlockIds.summary]: text("Salaries of every employee were exposed."),
          [declareBlockIds.visibility]: { value: { type: "radio_buttons", selected_option: { value: "yes" } } },
        },
      },
      actors.ic,
    );
  }
  await bot.settle();
  const incident = await prisma.incident.findFirstOrThrow({ where: { isPrivate: kind === "private" }, orderBy: { number: "asc" } });
  const channelId = incident.channelId!;
  const asIc = (commandText: string) => bot.send.slashCommand(commandText, { userId: actors.ic, channelId });
  await asIc(`role comms_lead <@${actors.roleHolder}|carol>`);
  await bot.settle();
  // The member: in the channel without a role, as Slack reports it.
  bot.emulator.world.addMembers(channelId, [actors.member], actors.ic);
  await bot.send.event({ type: "member_joined_channel", user: actors.member, channel: channelId }, { eventId: `EvJoin${kind}` });
  await asIc(`page <@${actors.member}|bob> please look`);
  await asIc("action Write the runbook");
  await asIc("email");
  await bot.settle();
  const opened = bot.emulator.callsTo("views.open").at(-1)!.args.view as { private_metadata: string };
  await bot.send.viewSubmission(
    { callback_id: noticeCallbackId, private_metadata: opened.private_metadata, values: { [noticeBlockIds.subject]: text("We are looking into it"), [noticeBlockIds.body]: text("Details follow.") } },
    actors.ic,
  );
  await bot.settle();
  const checklist = await prisma.checklistItem.findFirstOrThrow({ where: { incidentId: incident.id } });
  return {
    kind,
    id: incident.id,
    number: incident.number,
    channelId,
    introTs: (await prisma.incident.findUniqueOrThrow({ where: { id: incident.id } })).introTs!,
    noticeId: (await prisma.notice.findFirstOrThrow({ where: { incidentId: incident.id } })).id,
    itemId: (await prisma.actionItem.findFirstOrThrow({ where: { incidentId: incident.id } })).id,
    pageId: (await prisma.page.findFirstOrThrow({ where: { incidentId: incident.id, userId: actors.member } })).id,
    checklistBlock: `checklist:${checklist.checklist}`,
    checklistItem: checklist.itemId,
    triageGroups: {
      declare: await alertWaitingForTriage(`${kind}-declare`),
      dismiss: await alertWaitingForTriage(`${kind}-dismiss`),
      snooze: await alertWaitingForTriage(`${kind}-snooze`),
    },
  };
}

const refusalPattern = /is a private incident|^Only the |This page is for|belongs to another incident|belongs to a message in another channel/;
// An answer that means the case never reached its decision: the case is broken, not the bot.
const missedPattern = /no longer exists|not an incident channel|Something went wrong|out of date|Slack did not say/;

async function observe() {
  // GitHub's webhooks for issues opened by earlier (allowed) cases arrive on their own time: let them land first.
  await github.webhooks.idle();
  await bot.settle();
  return {
    tables: await tableDigests(bot.app.db.prisma),
    slackWrites: bot.emulator.calls.filter((call) => !slackReadMethods.has(call.method) && call.method !== "response_url").length,
    answers: bot.emulator.callsTo("response_url").length,
    github: github.calls.length,
  };
}

beforeAll(async () => {
  github = await startGitHubEmulator();
  const seed = defaultSeed();
  const erin = { ...seed.users[0]!, id: actors.admin, name: "erin", real_name: "Erin Evans", email: "erin@example.com" };
  const emulator = await startSlackEmulator({
    seed: {
      users: [...seed.users, erin],
      channels: [
        ...seed.channels.map((channel) => ({ ...channel, members: [...(channel.members ?? []), actors.admin] })),
        // The triage channel: everyone but the outsider (the admin needs no membership).
        { id: triageChannel, name: "incident-triage", members: ["U0BOT", actors.ic, actors.roleHolder, actors.member] },
      ],
    },
  });
  bot = await startTestBot({
    label: "authz-matrix",
    emulator,
    github,
    clock: new ManualClock(new Date("2026-11-30T09:00:00Z")),
    playbook: playbookWithAdmin(),
    env: {
      ALERTS_GENERIC_TOKEN: alertsToken,
      // Every webhook switched on, so each must refuse what is not signed with its own secret.
      ALERTS_ALERTMANAGER_TOKEN: "matrix-alertmanager-token",
      ALERTS_GRAFANA_TOKEN: "matrix-grafana-token",
      ALERTS_GENERIC_HMAC_SECRET: "matrix-generic-hmac",
      PAGERDUTY_WEBHOOK_SECRET: "matrix-pagerduty-secret",
      OPSGENIE_WEBHOOK_TOKEN: "matrix-opsgenie-token",
    },
  });
  fixtures.public = await declare("public");
  fixtures.private = await declare("private");
}, 120_000);

afterAll(async () => {
  await bot?.dispose();
  await github?.close();
});

describe("the authorization matrix", () => {
  it("has a case for every entry point the bot registers, and nothing else", () => {
    const registered = bot.app.entryPoints().map((entry) => `${entry.kind}:${entry.id}`);
    expect(registered.length).toBeGreaterThan(30);
    for (const entry of bot.app.entryPoints()) expect(entry.rule, `${entry.kind}:${entry.id} has no access rule`).toBeTruthy();
    const covered = new Set(cases.map((matrixCase) => matrixCase.entry));
    expect(registered.filter((entry) => !covered.has(entry)), "entry points without a case").toEqual([]);
    expect([...covered].filter((entry) => !registered.includes(entry)), "cases for entry points that do not exist").toEqual([]);
  });

  for (const matrixCase of cases) {
    for (const kind of ["public", "private"] as const) {
      it(`${matrixCase.entry} (${matrixCase.label}) on a ${kind} incident`, async () => {
        const incident = fixtures[kind]!;
        for (const [actorKind, userId] of Object.entries(actors) as [ActorKind, string][]) {
          const expectAllowed = allowed(matrixCase.need, actorKind, kind);
          const before = await observe();
          const sent = await matrixCase.send(userId, incident);
          expect(sent.response.status, `${actorKind}: HTTP status`).toBe(200);
          const body = await sent.response.text();
          await bot.settle();
          const after = await observe();
          const newAnswers = bot.emulator.callsTo("response_url").slice(before.answers);
          const answerTexts = newAnswers.map((call) => String(call.args.text ?? ""));
          const formErrors = body ? Object.values((JSON.parse(body) as { errors?: Record<string, string> }).errors ?? {}) : [];
          const refusals = [...answerTexts, ...formErrors].filter((answer) => refusalPattern.test(answer));
          const where = `${actorKind} (${userId})`;

          // Whatever the outcome, the private title reaches nobody outside.
          if (kind === "private" && actorKind === "outsider") {
            const seenByOutsider = [...answerTexts, ...formErrors, ...bot.emulator.world.ephemeralsFor(userId).map((e) => e.text)];
            expect(seenByOutsider.join("\n"), `${where} saw the private title`).not.toContain(secretTitle);
          }

          expect([...answerTexts, ...formErrors].filter((answer) => missedPattern.test(answer)), `${where}: the case missed its target`).toEqual([]);
          if (expectAllowed) {
            expect(refusals, `${where} was refused`).toEqual([]);
            continue;
          }
          expect(after.tables, `${where}: a refused request wrote to the database`).toEqual(before.tables);
          expect(after.slackWrites, `${where}: a refused request changed something in Slack`).toBe(before.slackWrites);
          expect(after.github, `${where}: a refused request called GitHub`).toBe(before.github);
          if (sent.refusal === "reply") {
            expect(newAnswers, `${where}: one ephemeral refusal`).toHaveLength(1);
            expect(refusals, `${where}: the answer is a refusal`).toHaveLength(1);
            expect(newAnswers[0]!.args.response_type).toBe("ephemeral");
          } else if (sent.refusal === "form") {
            expect(refusals, `${where}: the form shows the refusal`).toHaveLength(1);
          } else {
            expect(newAnswers, `${where}: an event gets no answer`).toHaveLength(0);
          }
        }
      });
    }
  }
});

/**
 * The webhooks: every POST route the bot serves (read from the app, not
 * listed here) is a door for a machine, not a person. Each verifies its own
 * secret before it reads anything: a request without it, or with someone
 * else's, or with a forged signature, gets 401 and writes nothing.
 */
describe("the authorization matrix: webhooks", () => {
  const body = JSON.stringify({ version: "4", status: "firing", groupKey: "forged", alerts: [{ status: "firing", labels: { alertname: "Forged" } }] });
  const forgeries: Record<string, Record<string, string>> = {
    "no credentials": {},
    "another source's token": { authorization: `Bearer ${alertsToken}` },
    "forged signatures": {
      authorization: "Bearer not-the-token",
      "x-signature-256": `sha256=${"0".repeat(64)}`,
      "x-pagerduty-signature": `v1=${"0".repeat(64)}`,
      "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
      "x-github-event": "issues",
      "x-github-delivery": "forged-delivery",
      "x-slack-signature": `v0=${"0".repeat(64)}`,
      "x-slack-request-timestamp": String(Math.floor(Date.now() / 1000)),
    },
  };
  /** The webhooks each have their own secret; the generic alert endpoint's token is the "another source" for the rest. */
  const knownWebhooks = [
    "POST /alerts/alertmanager",
    "POST /alerts/grafana",
    "POST /alerts/generic",
    "POST /pagers/pagerduty/webhook",
    "POST /pagers/opsgenie/webhook",
    "POST /github/webhook",
    "POST /slack/events",
  ];

  it("every POST route is a webhook with a case here", () => {
    const posts = bot.app.httpRoutes.filter((route) => route.startsWith("POST "));
    expect(posts.filter((route) => !knownWebhooks.includes(route)), "POST routes without a case").toEqual([]);
    expect(knownWebhooks.filter((route) => !posts.includes(route)), "cases for routes that do not exist").toEqual([]);
  });

  for (const route of knownWebhooks) {
    it(`${route} refuses what its own secret did not sign, and writes nothing`, async () => {
      const path = route.slice("POST ".length);
      for (const [what, headers] of Object.entries(forgeries)) {
        // The generic endpoint's own token is no forgery there.
        if (route === "POST /alerts/generic" && what === "another source's token") continue;
        const before = await observe();
        const response = await fetch(`${bot.app.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body,
        });
        await response.arrayBuffer();
        await bot.settle();
        expect(response.status, `${route} with ${what}`).toBe(401);
        const after = await observe();
        expect(after.tables, `${route} with ${what} wrote to the database`).toEqual(before.tables);
        expect(after.slackWrites, `${route} with ${what} changed something in Slack`).toBe(before.slackWrites);
      }
    });
  }
});
