import nodemailer from "nodemailer";

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
  const transport = nodemailer.createTransport(smtp.url);
  return {
    recipients: smtp.recipients,
    send: async (message) => {
      await transport.sendMail({ ...message, to: smtp.recipients });
    },
  };
}
