import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { noticeBlockIds, noticeActionIds, noticeCallbackId } from "../../src/capabilities/notices/views.ts";
import { type TestBot, startTestBot } from "../support/bot.ts";
import { quietPlaybook } from "../support/playbooks.ts";

let bot: TestBot;
let smtp: SMTPServer;
const received: { to: string[]; raw: Buffer }[] = [];

afterEach(async () => {
  await bot.dispose();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  received.length = 0;
});

async function startSmtp(): Promise<number> {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", () => resolve()));
  return (smtp.server.address() as AddressInfo).port;
}

describe("sending approved notices over SMTP (optional)", () => {
  it("sends the approved version once to the configured recipients", async () => {
    const port = await startSmtp();
    bot = await startTestBot({
      label: "notice-mail",
      playbook: quietPlaybook(),
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, NOTICE_RECIPIENTS: "customers@example.com, status-list@example.com" },
    });
    await bot.send.slashCommand("declare sev2 Checkout API returning 500s", { userId: "U0BOB" });
    await bot.settle();
    const channelId = (await bot.app.db.prisma.incident.findFirstOrThrow()).channelId!;
    await bot.send.slashCommand("email", { userId: "U0BOB", channelId });
    await bot.settle();
    const view = bot.emulator.callsTo("views.open").at(-1)!.args.view as { private_metadata: string };
    await bot.send.viewSubmission(
      {
        callback_id: noticeCallbackId,
        private_metadata: view.private_metadata,
        values: {
          [noticeBlockIds.subject]: { value: { type: "plain_text_input", value: "Card payments failing" } },
          [noticeBlockIds.body]: { value: { type: "plain_text_input", value: "We are on it. Sorry." } },
        },
      },
      "U0BOB",
    );
    await bot.settle();
    const notice = await bot.app.db.prisma.notice.findFirstOrThrow();
    await bot.send.blockAction({ action_id: noticeActionIds.approve, value: notice.id }, { userId: "U0BOB", channelId });
    await bot.settle();
    await bot.send.blockAction({ action_id: noticeActionIds.approve, value: notice.id }, { userId: "U0BOB", channelId });
    await bot.settle();

    expect(received).toHaveLength(1);
    expect(received[0]!.to).toEqual(["customers@example.com", "status-list@example.com"]);
    const mail = await simpleParser(received[0]!.raw);
    expect(mail.subject).toBe("Card payments failing");
    expect(mail.text?.trim()).toBe("We are on it. Sorry.");
    expect(bot.emulator.world.messages(channelId).some((m) => m.text.includes("was sent to 2 recipient(s)"))).toBe(true);
  });
});
