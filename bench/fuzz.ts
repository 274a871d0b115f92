import { noticeBlockIds, noticeCallbackId } from "../src/comms/notices/views.ts";
import type { SlackRequestSender } from "../src/emulator/slack/signed-requests.ts";
import { markActionItemDoneActionId } from "../src/followups/action-items.ts";
import { actionItemBlockIds, actionItemModalCallbackId } from "../src/followups/capture-views.ts";
import { callbackIds, declareBlockIds, updateBlockIds } from "../src/incidents/views.ts";
import { createLogger } from "../src/logging.ts";
import type { RunningApp } from "../src/main.ts";
import { pagingActionIds } from "../src/paging/views.ts";
import { ManualClock } from "../src/shared/clock.ts";
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
    const channels = [incident.channelId!, "C0GENERAL", "C0INCIDENTS"];
    const users = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"];

    const generate = (): Case => {
      const roll = random();
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
  if (kind.endsWith("modal")) return ackBody.includes('"response_action":"errors"');
  return /Usage: |is not an \/incident subcommand|That command is too long/.test(ackBody) ||
    /is not an incident|There is no incident|is not a (severity|status|date|notice phase|role)|Keep the|Say what/.test(slackTraffic);
}

/** One number per table, as a string, so any write shows as a difference. */
async function rowCounts(app: RunningApp): Promise<string> {
  const rows = await app.db.prisma.$queryRaw<{ counts: string }[]>`
    SELECT concat_ws(',',
      (SELECT count(*) FROM incidents), (SELECT count(*) FROM timeline_events),
      (SELECT count(*) FROM role_assignments), (SELECT count(*) FROM pages),
      (SELECT count(*) FROM checklist_items), (SELECT count(*) FROM notices),
      (SELECT count(*) FROM action_items), (SELECT count(*) FROM postmortems),
      (SELECT count(*) FROM timers), (SELECT count(*) FROM slack_posts)) AS counts`;
  return rows[0]!.counts;
}

export function formatFuzz(result: FuzzResult): string {
  const kinds = Object.entries(result.byKind).map(([kind, count]) => `${kind} ${count}`).join(", ");
  return [
    `${result.cases} signed requests (seed ${result.seed}): ${kinds}; ${result.seconds} s.`,
    "",
    "| cases | refused by the bot | accepted | 5xx | writes on refused input | unhandled rejections | errors logged |",
    "|---|---|---|---|---|---|---|",
    `| ${result.cases} | ${result.refused} | ${result.accepted} | ${result.serverErrors} | ${result.writesOnRefusedInput} | ${result.unhandledRejections} | ${result.errorsLogged} |`,
    ...(result.examples.length > 0 ? ["", "Examples:", ...result.examples.map((example) => `- ${example}`)] : []),
  ].join("\n");
}
