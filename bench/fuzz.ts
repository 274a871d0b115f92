import { noticeActionIds, noticeBlockIds, noticeCallbackId } from "../src/capabilities/notices/views.ts";
import type { SlackRequestSender } from "../tools/emulators/slack/signed-requests.ts";
import { markActionItemDoneActionId } from "../src/capabilities/followups/action-items.ts";
import { actionItemBlockIds, actionItemModalCallbackId } from "../src/capabilities/followups/capture-views.ts";
import { actionIds, callbackIds, declareBlockIds, updateBlockIds } from "../src/capabilities/incidents/views.ts";
import { createLogger } from "../src/core/logging.ts";
import type { RunningApp } from "../src/main.ts";
import { pagingActionIds } from "../src/capabilities/paging/views.ts";
import { ManualClock } from "../src/core/clock.ts";
import { createMetadataSeal } from "../src/adapters/slack/view-metadata.ts";
import { startInProcessBot } from "./in-process-bot.ts";
import { round } from "./support.ts";

/**
 * SPEC.md: "Fuzzed command text and modal payloads, 10,000 cases: no crash,
 * no 5xx, nothing written for invalid input". Signed requests with generated
 * slash-command text, modal submissions and button presses go to the bot's
 * own /slack/events (in this process, on PostgreSQL). After each one the
 * work it started is drained and the rows of every table are counted: a case
 * the bot refused (usage error, field errors, "no longer exists") must leave
 * every count unchanged. Cases the bot accepted may write.
 *
 * The generator is seeded, so a failing case can be replayed.
 */

const subcommands = [
  "declare", "update", "severity", "role", "page", "action", "actions", "email", "resolve",
  "reopen", "postmortem", "status", "list", "playbook", "help",
];
const nasty = [
  "<!channel>", "<!here>", "<!everyone>", "<@U0ALICE>", "<@U0BOB|bob>", "<#C0GENERAL>", "@channel",
  "INC-0", "INC-1", "INC-99999999999999999999", "inc-", "sev0", "SEV1", "sev99", "due:2026-02-30",
  "due:2026-12-01", "due:", "--public", "'; DROP TABLE incidents; --", "\u0000", "\u202e", "🔥",
  "ẞ", "investigating", "resolved", "null", "undefined", "{}", "[]", "%s", "${x}", "\\", "\"",
];

/** mulberry32: a small seeded PRNG, so runs are reproducible. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzResult {
  cases: number;
  seed: number;
  byKind: Record<string, number>;
  refused: number;
  accepted: number;
  serverErrors: number;
  writesOnRefusedInput: number;
  /** Cross-incident cases (ids, metadata and commands aimed at an incident the sender may not touch from there). */
  crossIncident: number;
  /** …of which the bot did not refuse: must be 0. */
  crossIncidentAccepted: number;
  unhandledRejections: number;
  errorsLogged: number;
  examples: string[];
  seconds: number;
}

type Case = { kind: string; describe: string; send: (sender: SlackRequestSender) => Promise<Response> };

export async function measureFuzz(options: { cases: number; seed: number }): Promise<FuzzResult> {
  const random = prng(options.seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const randomText = (max: number) => {
    const length = Math.floor(random() * max);
    let text = "";
    for (let i = 0; i < length; i++) {
      const roll = random();
      text += roll < 0.1 ? pick(nasty) + " " : roll < 0.15 ? String.fromCodePoint(Math.floor(random() * 0x2fff)) : String.fromCharCode(32 + Math.floor(random() * 95));
    }
    return text;
  };
  const pickTwo = <T>(values: readonly T[]): [T, T] => {
    const first = Math.floor(random() * values.length);
    const second = (first + 1 + Math.floor(random() * (values.length - 1))) % values.length;
    return [values[first]!, values[second]!];
  };
  const words = () => Array.from({ length: Math.floor(random() * 6) }, () => (random() < 0.5 ? pick(nasty) : randomText(12))).join(" ");

  let unhandled = 0;
  const errorLogs: string[] = [];
  const onUnhandled = () => {
    unhandled += 1;
  };
  process.on("unhandledRejection", onUnhandled);
  const bot = await startInProcessBot({
    label: "fuzz",
    clock: new ManualClock(new Date("2026-11-30T10:00:00Z")),
    // Errors the bot logs after it has acked (work that failed behind the user's back) are counted too.
    logger: createLogger("error", { write: (line: string) => void errorLogs.push(line) }),
  });
  const { app, slack, send: sender } = bot;
  const started = performance.now();
  try {
    // One real incident, so commands inside its channel and modals naming it reach deep code.
    await sender.slashCommand("declare sev3 Fuzzing target", { userId: "U0ALICE" });
    await app.tasks.drain(30_000);
    await app.scheduler.tick();
    const incident = await app.db.prisma.incident.findFirstOrThrow();
    // A second public incident and a private one, each with a notice and an action item, for the
    // cross-incident cases: their ids and forms are replayed from the wrong channel or by an outsider.
    await sender.slashCommand("declare sev3 Second public incident", { userId: "U0BOB" });
    await sender.viewSubmission(
      {
        callback_id: callbackIds.declare,
        values: {
          [declareBlockIds.title]: { value: { type: "plain_text_input", value: "Private breach" } },
          [declareBlockIds.severity]: { value: { type: "static_select", selected_option: { value: "SEV3" } } },
          [declareBlockIds.visibility]: { value: { type: "radio_buttons", selected_option: { value: "yes" } } },
        },
      },
      "U0ALICE",
    );
    await app.tasks.drain(30_000);
    await app.scheduler.tick();
    const [other, secret] = await Promise.all([
      app.db.prisma.incident.findFirstOrThrow({ where: { title: "Second public incident" } }),
      app.db.prisma.incident.findFirstOrThrow({ where: { isPrivate: true } }),
    ]);
    for (const target of [incident, other, secret]) {
      await sender.slashCommand("action Fuzz target item", { userId: target.declaredBy, channelId: target.channelId! });
    }
    await app.tasks.drain(30_000);
    const targets = await Promise.all(
      [incident, other, secret].map(async (target) => ({
        incident: target,
        itemId: (await app.db.prisma.actionItem.findFirstOrThrow({ where: { incidentId: target.id } })).id,
      })),
    );
    const seal = createMetadataSeal(bot.signingSecret);
    const channels = [incident.channelId!, "C0GENERAL", "C0INCIDENTS"];
    const users = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"];
    // Not in the private incident's channel and holding no role in it.
    const outsiders = ["U0CAROL", "U0DAVE"];

    const crossIncident = (): Case => {
      const [from, to] = pickTwo(targets);
      const roll = random();
      if (roll < 0.45) {
        // A real button of incident `to`, pressed in incident `from`'s channel.
        const [actionId, value] = pick([
          [actionIds.showStatus, to.incident.id],
          [actionIds.snoozeReminder, to.incident.id],
          [actionIds.postUpdate, to.incident.id],
          [noticeActionIds.draft, to.incident.id],
          [markActionItemDoneActionId, to.itemId],
          ["postmortem_take_ownership", to.incident.id],
        ] as const);
        return {
          kind: "cross-incident",
          describe: `${actionId} of INC-${to.incident.number} pressed in INC-${from.incident.number}'s channel`,
          send: (s) => s.blockAction({ action_id: actionId, value }, { userId: pick(users), channelId: from.incident.channelId! }),
        };
      }
      if (roll < 0.75) {
        // The private incident, named by someone outside it.
        const text = pick([
          `status INC-${secret.number}`,
          `update INC-${secret.number} monitoring ${randomText(30)}`,
          `update INC-${secret.number} identified leaked --public`,
          `email INC-${secret.number}`,
          `action INC-${secret.number} ${randomText(20) || "x"}`,
          `actions INC-${secret.number}`,
          `page INC-${secret.number} <@U0DAVE|dave>`,
          `postmortem INC-${secret.number}`,
          `resolve INC-${secret.number}`,
        ]);
        return {
          kind: "cross-incident",
          describe: `/incident ${text} by an outsider`,
          send: (s) => s.slashCommand(text, { userId: pick(outsiders), channelId: pick(["C0GENERAL", other.channelId!]) }),
        };
      }
      // A form about the private incident: forged metadata, or sealed for an outsider.
      const userId = pick(outsiders);
      const fields = { incidentId: secret.id, phase: "investigating", channelId: secret.channelId!, ts: "1.000001" };
      const metadata =
        random() < 0.5
          ? JSON.stringify(fields)
          : seal.seal({ type: "modal", title: { type: "plain_text", text: "x" }, blocks: [], private_metadata: JSON.stringify(fields) }, userId).private_metadata!;
      const callbackId = pick([callbackIds.update, noticeCallbackId, actionItemModalCallbackId]);
      const values = {
        [updateBlockIds.status]: { value: { type: "static_select", selected_option: { value: "monitoring" } } },
        [updateBlockIds.message]: { value: { type: "plain_text_input", value: "from outside" } },
        [noticeBlockIds.subject]: { value: { type: "plain_text_input", value: "Subject" } },
        [noticeBlockIds.body]: { value: { type: "plain_text_input", value: "Body" } },
        [actionItemBlockIds.text]: { value: { type: "plain_text_input", value: "An item" } },
      };
      return {
        kind: "cross-incident",
        describe: `${callbackId} form about INC-${secret.number} submitted by ${userId}`,
        send: (s) => s.viewSubmission({ callback_id: callbackId, private_metadata: metadata, values }, userId),
      };
    };

    const generate = (): Case => {
      const roll = random();
      if (random() < 0.15) return crossIncident();
      if (roll < 0.55) {
        const text = random() < 0.8 ? `${pick(subcommands)} ${words()}` : randomText(random() < 0.05 ? 5000 : 120);
        return {
          kind: "command",
          describe: `/incident ${text}`,
          send: (s) => s.slashCommand(text, { userId: pick(users), channelId: pick(channels) }),
        };
      }
      if (roll < 0.7) {
        const values = {
          [declareBlockIds.title]: { value: { type: "plain_text_input", value: random() < 0.2 ? "" : randomText(random() < 0.1 ? 400 : 60) } },
          [declareBlockIds.severity]: { value: { type: "static_select", selected_option: random() < 0.3 ? null : { value: pick(["SEV1", "SEV4", "sev2", "SEV9", ""]) } } },
          [declareBlockIds.summary]: { value: { type: "plain_text_input", value: randomText(random() < 0.05 ? 5000 : 80) } },
          [declareBlockIds.components]: { value: { type: "plain_text_input", value: words() } },
          [declareBlockIds.customerImpact]: { value: { type: "static_select", selected_option: { value: pick(["yes", "no", "maybe"]) } } },
          [declareBlockIds.visibility]: { value: { type: "static_select", selected_option: { value: pick(["yes", "no", ""]) } } },
        };
        if (random() < 0.3) delete values[pick(Object.values(declareBlockIds))];
        return { kind: "declare modal", describe: JSON.stringify(values).slice(0, 300), send: (s) => s.viewSubmission({ callback_id: callbackIds.declare, values }, pick(users)) };
      }
      if (roll < 0.8) {
        const metadata = pick([
          JSON.stringify({ incidentId: incident.id, channelId: incident.channelId, ts: "1.000001" }),
          JSON.stringify({ incidentId: "00000000-0000-0000-0000-000000000000", channelId: "C0X", ts: "1" }),
          "{not json",
          "",
          randomText(40),
        ]);
        const values = {
          [actionItemBlockIds.text]: { value: { type: "plain_text_input", value: random() < 0.2 ? "" : randomText(random() < 0.1 ? 1500 : 80) } },
          [actionItemBlockIds.owner]: { value: { type: "users_select", selected_user: pick([null, "U0BOB", "not-a-user"]) } },
          [actionItemBlockIds.due]: { value: { type: "datepicker", selected_date: pick([null, "2026-12-24", "2026-02-30", "yesterday", ""]) } },
        };
        return { kind: "action item modal", describe: `${metadata} ${JSON.stringify(values).slice(0, 200)}`, send: (s) => s.viewSubmission({ callback_id: actionItemModalCallbackId, private_metadata: metadata, values }, pick(users)) };
      }
      if (roll < 0.84) {
        const metadata = pick([JSON.stringify({ incidentId: incident.id }), JSON.stringify({ incidentId: "x" }), "{", ""]);
        const values = {
          [updateBlockIds.status]: { value: { type: "static_select", selected_option: random() < 0.2 ? null : { value: pick(["investigating", "identified", "resolved", "bogus", ""]) } } },
          [updateBlockIds.message]: { value: { type: "plain_text_input", value: random() < 0.2 ? "" : randomText(random() < 0.05 ? 5000 : 120) } },
          [updateBlockIds.visibility]: { value: { type: "checkboxes", selected_options: random() < 0.5 ? [] : [{ value: pick(["public", "nonsense"]) }] } },
        };
        return { kind: "update modal", describe: `${metadata} ${JSON.stringify(values).slice(0, 200)}`, send: (s) => s.viewSubmission({ callback_id: callbackIds.update, private_metadata: metadata, values }, pick(users)) };
      }
      if (roll < 0.9) {
        const metadata = pick([JSON.stringify({ incidentId: incident.id, phase: pick(["investigating", "resolved", "nonsense"]) }), "{", "", JSON.stringify({ incidentId: "x" })]);
        const values = {
          [noticeBlockIds.subject]: { value: { type: "plain_text_input", value: random() < 0.2 ? "" : randomText(random() < 0.1 ? 400 : 60) } },
          [noticeBlockIds.body]: { value: { type: "plain_text_input", value: random() < 0.2 ? "" : randomText(random() < 0.05 ? 12_000 : 200) } },
        };
        return { kind: "notice modal", describe: `${metadata} ${JSON.stringify(values).slice(0, 200)}`, send: (s) => s.viewSubmission({ callback_id: noticeCallbackId, private_metadata: metadata, values }, pick(users)) };
      }
      const actionId = pick([markActionItemDoneActionId, pagingActionIds.acknowledge, "postmortem_take_ownership"]);
      const value = pick(["00000000-0000-0000-0000-000000000000", "not-a-uuid", "", randomText(30)]);
      return {
        kind: "button",
        describe: `${actionId} ${JSON.stringify(value)}`,
        send: (s) => s.blockAction({ action_id: actionId, value }, { userId: pick(users), channelId: pick(channels) }),
      };
    };

    const byKind: Record<string, number> = {};
    let refused = 0;
    let accepted = 0;
    let serverErrors = 0;
    let writes = 0;
    let crossCases = 0;
    let crossAccepted = 0;
    const examples: string[] = [];
    for (let i = 0; i < options.cases; i++) {
      const fuzzCase = generate();
      byKind[fuzzCase.kind] = (byKind[fuzzCase.kind] ?? 0) + 1;
      const before = await rowCounts(app);
      const errorsBefore = errorLogs.length;
      slack.resetCalls();
      const response = await fuzzCase.send(sender);
      const body = await response.text();
      await app.tasks.drain(30_000);
      if (errorLogs.length > errorsBefore && examples.length < 10) examples.push(`logged an error: ${fuzzCase.kind} ${fuzzCase.describe}`);
      if (response.status >= 500) {
        serverErrors += 1;
        if (examples.length < 10) examples.push(`5xx ${response.status}: ${fuzzCase.describe}`);
        continue;
      }
      const isRefused = refusal(fuzzCase.kind, body, slack.calls.map((call) => JSON.stringify(call.args)).join("\n"));
      if (fuzzCase.kind === "cross-incident") {
        crossCases += 1;
        if (!isRefused) {
          crossAccepted += 1;
          if (examples.length < 10) examples.push(`cross-incident case not refused: ${fuzzCase.describe}`);
        }
      }
      if (!isRefused) {
        accepted += 1;
        continue;
      }
      refused += 1;
      const after = await rowCounts(app);
      if (after !== before) {
        writes += 1;
        if (examples.length < 10) examples.push(`wrote ${before} → ${after}: ${fuzzCase.describe}`);
      }
    }
    return {
      cases: options.cases,
      seed: options.seed,
      byKind,
      refused,
      accepted,
      serverErrors,
      writesOnRefusedInput: writes,
      crossIncident: crossCases,
      crossIncidentAccepted: crossAccepted,
      unhandledRejections: unhandled,
      errorsLogged: errorLogs.length,
      examples: [...examples, ...errorLogs.slice(0, 5).map((line) => `logged: ${line.slice(0, 300)}`)],
      seconds: round((performance.now() - started) / 1000, 0),
    };
  } finally {
    process.off("unhandledRejection", onUnhandled);
    await bot.close();
  }
}

/**
 * Whether the bot turned the case down. Commands: the ack's usage error, or a
 * reply saying what was wrong. Modals: field errors. Buttons with made-up ids:
 * always (they name nothing that exists).
 */
function refusal(kind: string, ackBody: string, slackTraffic: string): boolean {
  if (kind === "button") return true;
  if (kind === "cross-incident") {
    // Refused by the policy, or already by the parser (a usage error, answered in the ack).
    return (
      /is a private incident|belongs to another incident|out of date or was not opened by you|This page is for/.test(`${ackBody}\n${slackTraffic}`) ||
      /Usage: /.test(ackBody)
    );
  }
  if (kind.endsWith("modal")) return ackBody.includes('"response_action":"errors"');
  return /Usage: |is not an \/incident subcommand|That command is too long/.test(ackBody) ||
    /is not an incident|There is no incident|is not a (severity|status|date|notice phase|role)|Keep the|Say what|is a private incident|Only the |belongs to another incident|out of date or was not opened by you/.test(slackTraffic);
}

/** Count and content digest of every table, as a string, so any write (also an update in place) shows. */
async function rowCounts(app: RunningApp): Promise<string> {
  const tables = ["incidents", "timeline_events", "role_assignments", "pages", "checklist_items", "notices", "action_items", "postmortems", "timers", "slack_posts"];
  const parts: string[] = [];
  for (const table of tables) {
    const [row] = await app.db.prisma.$queryRawUnsafe<{ summary: string }[]>(
      `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS summary FROM "${table}" t`,
    );
    parts.push(row!.summary);
  }
  return parts.join(",");
}

export function formatFuzz(result: FuzzResult): string {
  const kinds = Object.entries(result.byKind).map(([kind, count]) => `${kind} ${count}`).join(", ");
  return [
    `${result.cases} signed requests (seed ${result.seed}): ${kinds}; ${result.seconds} s.`,
    "",
    "| cases | refused by the bot | accepted | 5xx | writes on refused input | cross-incident cases | …not refused | unhandled rejections | errors logged |",
    "|---|---|---|---|---|---|---|---|---|",
    `| ${result.cases} | ${result.refused} | ${result.accepted} | ${result.serverErrors} | ${result.writesOnRefusedInput} | ${result.crossIncident} | ${result.crossIncidentAccepted} | ${result.unhandledRejections} | ${result.errorsLogged} |`,
    ...(result.examples.length > 0 ? ["", "Examples:", ...result.examples.map((example) => `- ${example}`)] : []),
  ].join("\n");
}
