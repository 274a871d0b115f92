import { memoizeSuccess } from "../../core/async.ts";
import type { Transporter } from "nodemailer";

/**
 * Optional: sends approved notices over SMTP (SMTP_URL, NOTICE_RECIPIENTS).
 * Delivery runs on a durable timer and is retried; the Message-ID is fixed
 * per notice, so a resend after a crash can be recognised by mail servers.
 */
export interface NoticeMailer {
  recipients: string[];
  send(message: { from: string; subject: string; text: string; messageId: string; date: Date }): Promise<void>;
}

export function createNoticeMailer(smtp: { url: string; recipients: string[] }): NoticeMailer {
  // nodemailer is loaded with the first e-mail, not at start: most notices never need it.
  const transport = memoizeSuccess(async (): Promise<Transporter> => {
    const { default: nodemailer } = await import("nodemailer");
    return nodemailer.createTransport(smtp.url);
  });
  return {
    recipients: smtp.recipients,
    send: async (message) => {
      await (await transport()).sendMail({ ...message, to: smtp.recipients });
    },
  };
}
