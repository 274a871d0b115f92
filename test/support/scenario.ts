import { expect } from "vitest";
import { callbackIds, declareBlockIds } from "../../src/capabilities/incidents/views.ts";
import { type GitHubEmulator, startGitHubEmulator } from "../../tools/emulators/github/index.ts";
import { type TestBot, type TestBotOptions, startTestBot } from "./bot.ts";

/**
 * Scenario steps: the small, composable moves a test makes to set up the
 * world it then checks, in the spirit of Netflix Dispatch's factories. Each
 * step goes through the bot's real front door (signed /incident commands,
 * signed form submissions on /slack/events) and settles before it returns,
 * so the next step sees everything the last one caused.
 *
 *   const incident = await declareIncident(bot, "sev2 Checkout API returning 500s");
 *   await postUpdate(bot, incident, "identified Bad deploy");
 *   await addActionItem(bot, incident, "Add an alert <@U0ALICE>");
 */

/** Anything that names an incident channel: an incident row, or the result of a declare step. */
export interface InChannel {
  channelId: string | null;
}

/** An incident as declared, with the channel it got. */
export type DeclaredIncident = Awaited<ReturnType<TestBot["app"]["db"]["prisma"]["incident"]["findFirstOrThrow"]>> & {
  channelId: string;
};

// ---------------------------------------------------------------------------
// Worlds

/**
 * The GitHub emulator and a bot with GitHub follow-ups on against it
 * (repository acme/ops). `github: false` starts the emulator but leaves the
 * bot's GitHub off, for "nothing reaches GitHub" checks.
 */
export async function startBotWithGitHub(
  options: Omit<TestBotOptions, "github"> & { github?: boolean },
): Promise<{ bot: TestBot; github: GitHubEmulator }> {
  const { github: on = true, ...botOptions } = options;
  const github = await startGitHubEmulator();
  const bot = await startTestBot({ ...botOptions, ...(on ? { github } : {}) });
  return { bot, github };
}

/** Disposes the bot and closes the GitHub emulator, whichever of them a test got to start. */
export async function stopBotAndGitHub(bot: TestBot | undefined, github: GitHubEmulator | undefined): Promise<void> {
  await bot?.dispose();
  await github?.close();
}

// ---------------------------------------------------------------------------
// Commands

/**
 * `/incident <text>` as `userId` (default U0ALICE) in `channelId` (default
 * C0GENERAL), signed; checks the ack is a 200 and settles.
 */
export async function command(
  bot: TestBot,
  text: string,
  options: { userId?: string; channelId?: string | null } = {},
): Promise<Response> {
  const response = await bot.send.slashCommand(text, {
    ...(options.userId ? { userId: options.userId } : {}),
    ...(options.channelId ? { channelId: options.channelId } : {}),
  });
  expect(response.status, `the ack of /incident ${text}`).toBe(200);
  await bot.settle();
  return response;
}

/** `/incident declare <text>` (e.g. "sev2 Checkout down"), whatever comes of it. */
export function declare(bot: TestBot, text: string, options: { userId?: string } = {}): Promise<Response> {
  return command(bot, `declare ${text}`, options);
}

/** Declares by the quick path and returns the incident it made (the newest). */
export async function declareIncident(
  bot: TestBot,
  text: string,
  options: { userId?: string } = {},
): Promise<DeclaredIncident> {
  await declare(bot, text, options);
  return newestIncident(bot);
}

/** `/incident update <status> <text>` in the incident's channel. */
export function postUpdate(bot: TestBot, incident: InChannel, text: string, options: { userId?: string } = {}) {
  return command(bot, `update ${text}`, { ...options, channelId: incident.channelId });
}

/** `/incident page <@userId> <note>` in the incident's channel. */
export function page(
  bot: TestBot,
  incident: InChannel,
  userId: string,
  options: { by?: string; note?: string } = {},
) {
  return command(bot, `page <@${userId}>${options.note ? ` ${options.note}` : ""}`, {
    userId: options.by,
    channelId: incident.channelId,
  });
}

/** `/incident action <text>` in the incident's channel. */
export function addActionItem(bot: TestBot, incident: InChannel, text: string, options: { by?: string } = {}) {
  return command(bot, `action ${text}`, { userId: options.by, channelId: incident.channelId });
}

/** `/incident resolve [text]` in the incident's channel. */
export function resolve(bot: TestBot, incident: InChannel, text = "", options: { by?: string } = {}) {
  return command(bot, `resolve${text ? ` ${text}` : ""}`, { userId: options.by, channelId: incident.channelId });
}

// ---------------------------------------------------------------------------
// The declare form

/**
 * What someone fills into the declare modal. Only the fields given are sent,
 * as Slack leaves out an input nobody touched.
 */
export interface DeclareForm {
  title: string;
  /** "SEV1" … "SEV4". */
  severity: string;
  summary?: string;
  components?: string;
  customerImpact?: boolean;
  isPrivate?: boolean;
  /** The view's private_metadata, as the bot wrote it when it opened the modal. */
  privateMetadata?: string;
}

/** The modal's state values for `form`. */
export function declareFormValues(form: DeclareForm): Record<string, Record<string, unknown>> {
  const text = (value: string) => ({ value: { type: "plain_text_input", value } });
  const select = (value: string) => ({ value: { type: "static_select", selected_option: { value } } });
  const radio = (yes: boolean) => ({ value: { type: "radio_buttons", selected_option: { value: yes ? "yes" : "no" } } });
  return {
    [declareBlockIds.title]: text(form.title),
    [declareBlockIds.severity]: select(form.severity),
    ...(form.summary !== undefined ? { [declareBlockIds.summary]: text(form.summary) } : {}),
    ...(form.components !== undefined ? { [declareBlockIds.components]: text(form.components) } : {}),
    ...(form.customerImpact !== undefined ? { [declareBlockIds.customerImpact]: radio(form.customerImpact) } : {}),
    ...(form.isPrivate !== undefined ? { [declareBlockIds.visibility]: radio(form.isPrivate) } : {}),
  };
}

/** Submits the declare modal as `userId` (default U0ALICE) and settles; whatever comes of it. */
export async function submitDeclareForm(bot: TestBot, form: DeclareForm, userId = "U0ALICE"): Promise<Response> {
  const response = await bot.send.viewSubmission(
    {
      callback_id: callbackIds.declare,
      ...(form.privateMetadata !== undefined ? { private_metadata: form.privateMetadata } : {}),
      values: declareFormValues(form),
    },
    userId,
  );
  await bot.settle();
  return response;
}

/** Declares through the modal and returns the incident (found by its title). */
export async function declareByForm(bot: TestBot, form: DeclareForm, userId = "U0ALICE"): Promise<DeclaredIncident> {
  await submitDeclareForm(bot, form, userId);
  return withChannel(await bot.app.db.prisma.incident.findFirstOrThrow({ where: { title: form.title } }));
}

// ---------------------------------------------------------------------------
// Reading the world back

/** The incident declared last. */
export async function newestIncident(bot: TestBot): Promise<DeclaredIncident> {
  return withChannel(await bot.app.db.prisma.incident.findFirstOrThrow({ orderBy: { number: "desc" } }));
}

const counters = {
  incidents: (bot: TestBot) => bot.app.db.prisma.incident.count(),
  timeline: (bot: TestBot) => bot.app.db.prisma.timelineEvent.count(),
  roles: (bot: TestBot) => bot.app.db.prisma.roleAssignment.count(),
  posts: (bot: TestBot) => bot.app.db.prisma.slackPost.count(),
  timers: (bot: TestBot) => bot.app.db.prisma.timer.count(),
  actionItems: (bot: TestBot) => bot.app.db.prisma.actionItem.count(),
  notices: (bot: TestBot) => bot.app.db.prisma.notice.count(),
};

export type CountedTable = keyof typeof counters;

/** How many rows the named tables hold, as `{ incidents: 1, timeline: 4 }`, in the order asked. */
export async function rowCounts<T extends CountedTable>(bot: TestBot, tables: readonly T[]): Promise<Record<T, number>> {
  const counts = {} as Record<T, number>;
  for (const table of tables) counts[table] = await counters[table](bot);
  return counts;
}

function withChannel<I extends { channelId: string | null; number: number }>(incident: I): I & { channelId: string } {
  if (!incident.channelId) throw new Error(`INC-${incident.number} has no channel (phase still declaring?)`);
  return incident as I & { channelId: string };
}
