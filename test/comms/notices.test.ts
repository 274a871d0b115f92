import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { noticeActionIds, noticeBlockIds, noticeCallbackId } from "../../src/capabilities/notices/views.ts";
import { type TestBot, startTestBot } from "../support/bot.ts";
import { ManualClock, minutes } from "../support/clock.ts";
import { command, declareByForm, declareIncident } from "../support/scenario.ts";

let bot: TestBot;
let channelId: string;

afterEach(async () => {
  await bot.dispose();
});

/** A bot on the default playbook at Monday 09:42, and one incident of `severity` declared by bob. */
async function startWithIncident(severity = "sev2") {
  bot = await startTestBot({ label: "notices", clock: new ManualClock(new Date("2026-11-23T09:42:00Z")) });
  ({ channelId } = await declareIncident(bot, `${severity} Checkout API returning 500s`, { userId: "U0BOB" }));
}

/** `/incident email [phase]` by bob in the incident channel: opens the notice form. */
const openNoticeForm = (phase = "") => command(bot, phase ? `email ${phase}` : "email", { userId: "U0BOB", channelId });

async function submitNotice(privateMetadata: string, subject: string, body: string, userId = "U0BOB") {
  const response = await bot.send.viewSubmission(
    {
      callback_id: noticeCallbackId,
      private_metadata: privateMetadata,
      values: {
        [noticeBlockIds.subject]: { value: { type: "plain_text_input", value: subject } },
        [noticeBlockIds.body]: { value: { type: "plain_text_input", value: body } },
      },
    },
    userId,
  );
  await bot.settle();
  return response;
}

/** Submits the opened notice form with `subject` and `body`, then bob (the IC) approves that notice. */
async function draftAndApprove(subject: string, body: string) {
  await submitNotice(openedNotice().private_metadata, subject, body);
  const notice = await bot.app.db.prisma.notice.findFirstOrThrow({ orderBy: { version: "desc" } });
  await bot.send.blockAction({ action_id: noticeActionIds.approve, value: notice.id }, { userId: "U0BOB", channelId });
  await bot.settle();
}

const openedNotice = () =>
  bot.emulator.callsTo("views.open").at(-1)!.args.view as {
    private_metadata: string;
    blocks: { block_id?: string; element?: { initial_value?: string } }[];
  };
const initial = (blockId: string) => openedNotice().blocks.find((b) => b.block_id === blockId)?.element?.initial_value;

describe("draft → edit → approve", () => {
  it("keeps every version, refuses an unauthorized approve, and exports a parseable .eml", async () => {
    await startWithIncident();
    await openNoticeForm();
    expect(initial(noticeBlockIds.subject)).toBe("[Example Co] We are investigating: Checkout API returning 500s");
    expect(initial(noticeBlockIds.body)).toContain("Since Monday 23 November 2026, 09:42 GMT");
    const metadata = openedNotice().private_metadata;

    await submitNotice(metadata, initial(noticeBlockIds.subject)!, initial(noticeBlockIds.body)!);
    const edited = "Hello,\n\nSome card payments fail at checkout. We are on it and sorry for the trouble.\n\nThe Example Co team";
    await submitNotice(metadata, "[Example Co] Card payments failing", edited);

    // v1 is the bot's own draft, written as the SEV2 was declared; bob's two saves follow it.
    const versions = await bot.app.db.prisma.notice.findMany({ orderBy: { version: "asc" } });
    expect(versions.map((n) => [n.phase, n.version, n.subject, n.createdBy])).toEqual([
      ["investigating", 1, "[Example Co] We are investigating: Checkout API returning 500s", "incident-bot"],
      ["investigating", 2, "[Example Co] We are investigating: Checkout API returning 500s", "U0BOB"],
      ["investigating", 3, "[Example Co] Card payments failing", "U0BOB"],
    ]);
    const drafts = bot.emulator.world.messages(channelId).filter((m) => m.text.startsWith("Customer notice investigating"));
    expect(drafts.map((m) => m.text.split(" drafted")[0])).toEqual([
      "Customer notice investigating v1",
      "Customer notice investigating v2",
      "Customer notice investigating v3",
    ]);

    // Editing again opens the latest version.
    await openNoticeForm("investigating");
    expect(initial(noticeBlockIds.subject)).toBe("[Example Co] Card payments failing");

    // Carol holds no approving role: refused, nothing changes.
    const v2 = versions[2]!;
    await bot.send.blockAction({ action_id: noticeActionIds.approve, value: v2.id }, { userId: "U0CAROL", channelId });
    await bot.settle();
    expect(bot.emulator.ephemeralsFor("U0CAROL").at(-1)!.text).toBe(
      "Only the incident commander, communications lead or support lead can approve customer notices for INC-1. Ask <@U0BOB>.",
    );
    expect((await bot.app.db.prisma.notice.findUniqueOrThrow({ where: { id: v2.id } })).approvedAt).toBeNull();
    expect(await bot.app.db.prisma.timelineEvent.count({ where: { kind: "notice_approved" } })).toBe(0);

    // The IC approves.
    const approvedAt = bot.clock.now();
    await bot.send.blockAction({ action_id: noticeActionIds.approve, value: v2.id }, { userId: "U0BOB", channelId });
    await bot.settle();
    const approved = await bot.app.db.prisma.notice.findUniqueOrThrow({ where: { id: v2.id } });
    expect(approved).toMatchObject({ approvedBy: "U0BOB", approvedAt });
    expect(await bot.app.db.prisma.notice.count()).toBe(3);
    expect(bot.emulator.world.messages(channelId).some((m) => m.text.includes("approved by <@U0BOB>: [Example Co] Card payments failing"))).toBe(true);

    const file = bot.emulator.world.files.find((f) => f.name === "INC-1-investigating-v3.eml");
    expect(file?.bytes).toBeDefined();
    const mail = await simpleParser(file!.bytes!);
    expect(mail.subject).toBe("[Example Co] Card payments failing");
    expect(mail.text?.trim()).toBe(edited);
    expect(mail.from?.text).toBe('"Example Co Status" <status@example.com>');
    expect(mail.date?.toISOString()).toBe(approvedAt.toISOString());
    expect(mail.messageId).toBe(`<notice-${v2.id}@incident-bot>`);
    expect(file!.bytes!.toString("utf8")).toMatch(/^Content-Type: text\/plain; charset=utf-8/m);
  });

  it("the approved message pings nobody, in its fallback text as in its blocks", async () => {
    await startWithIncident();
    await openNoticeForm();
    await draftAndApprove("<!channel> <@U0BOB> down <!here|here>", "Body <!everyone>");

    const approved = bot.emulator.world.messages(channelId).find((m) => m.text.startsWith("Customer notice investigating v2 for INC-1 approved"));
    expect(approved).toBeDefined();
    // Only the approver is mentioned on purpose; nothing from the subject is a live mention.
    expect(approved!.text).toBe(
      "Customer notice investigating v2 for INC-1 approved by <@U0BOB>: &lt;!channel&gt; &lt;@U0BOB&gt; down &lt;!here|here&gt;",
    );
    for (const message of bot.emulator.world.messages(channelId)) {
      expect(message.text).not.toMatch(/<!channel>|<!here|<!everyone>/);
    }
  });

  it("refuses an empty subject or body with field errors and saves nothing", async () => {
    await startWithIncident();
    await openNoticeForm();
    const response = await submitNotice(openedNotice().private_metadata, " ", "");
    const body = (await response.json()) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe("errors");
    expect(Object.keys(body.errors).sort()).toEqual([noticeBlockIds.body, noticeBlockIds.subject].sort());
    // Only the bot's own draft from the declaration.
    expect(await bot.app.db.prisma.notice.count()).toBe(1);
  });

  it("declaring a severity that requires a notice drafts it at once, for the IC, and one click approves it", async () => {
    await startWithIncident();
    const [draft] = await bot.app.db.prisma.notice.findMany();
    expect(draft).toMatchObject({ phase: "investigating", version: 1, createdBy: "incident-bot", approvedAt: null });
    const posted = bot.emulator.world.messages(channelId).find((m) => m.text.startsWith("Customer notice investigating v1"));
    expect(JSON.stringify(posted?.blocks)).toContain("For <@U0BOB>: review, edit, approve");
    const buttons = (posted!.blocks as { type: string; elements?: { action_id: string; value: string }[] }[])
      .filter((block) => block.type === "actions")
      .flatMap((block) => block.elements ?? []);
    expect(buttons.map((button) => button.action_id)).toEqual([noticeActionIds.edit, noticeActionIds.approve]);

    await bot.send.blockAction({ action_id: noticeActionIds.approve, value: draft!.id }, { userId: "U0BOB", channelId });
    await bot.settle();
    expect(await bot.app.db.prisma.notice.findUniqueOrThrow({ where: { id: draft!.id } })).toMatchObject({ approvedBy: "U0BOB" });
  });

  it("a severity that requires no notice, or a private incident, gets no draft", async () => {
    await startWithIncident("sev3");
    expect(await bot.app.db.prisma.notice.count()).toBe(0);
    const leak = await declareByForm(bot, { title: "Payroll leak", severity: "SEV1", isPrivate: true }, "U0BOB");
    expect(leak).toMatchObject({ isPrivate: true, phase: "active" });
    expect(await bot.app.db.prisma.notice.count()).toBe(0);
  });

  it("an unknown phase is an ephemeral error", async () => {
    await startWithIncident();
    const response = await bot.send.slashCommand("email fixed", { userId: "U0BOB", channelId });
    expect(((await response.json()) as { text: string }).text).toContain('"fixed" is not a notice phase');
  });
});

describe("the notice deadline (SEV2 requires a notice within 10 minutes)", () => {
  const nudges = () => bot.emulator.world.messages(channelId).filter((m) => m.text.includes("no customer notice for INC-1 is approved"));

  it("no approved notice by +10 min → exactly one nudge to the comms lead and the IC", async () => {
    await startWithIncident();
    await bot.app.db.prisma.roleAssignment.create({
      data: { incidentId: (await bot.app.db.prisma.incident.findFirstOrThrow()).id, role: "comms_lead", userId: "U0CAROL" },
    });
    await bot.advance(minutes(9));
    expect(nudges()).toHaveLength(0);
    await bot.advance(minutes(1));
    expect(nudges()).toHaveLength(1);
    expect(nudges()[0]!.text).toContain("<@U0BOB>");
    expect(nudges()[0]!.text).toContain("<@U0CAROL>");
    await bot.advance(minutes(30));
    expect(nudges()).toHaveLength(1);
  });

  it("approved in time → no nudge", async () => {
    await startWithIncident();
    await openNoticeForm();
    await draftAndApprove("Subject", "Body");
    await bot.advance(minutes(15));
    expect(nudges()).toHaveLength(0);
  });

  it("SEV3 does not require one", async () => {
    await startWithIncident("sev3");
    await bot.advance(minutes(15));
    expect(nudges()).toHaveLength(0);
  });
});

describe("resolving", () => {
  it("drafts the resolved notice for review", async () => {
    await startWithIncident();
    await bot.send.slashCommand("resolve A faulty deploy was rolled back.", { userId: "U0BOB", channelId });
    await bot.settle();
    const notice = await bot.app.db.prisma.notice.findFirstOrThrow({ where: { phase: "resolved" } });
    expect(notice.subject).toBe("[Example Co] Resolved: Checkout API returning 500s");
    expect(notice.body).toContain("What happened: A faulty deploy was rolled back.");
    expect(notice.approvedAt).toBeNull();
    expect(bot.emulator.world.messages(channelId).some((m) => m.text.startsWith("Customer notice resolved v1"))).toBe(true);
  });
});
