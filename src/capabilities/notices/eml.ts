import MailComposer from "nodemailer/lib/mail-composer/index.js";

/**
 * An approved notice as an RFC 5322 message (UTF-8, MIME, proper Date and
 * Message-ID headers), built by nodemailer's composer so any mail tool can
 * open or send it.
 */
export async function composeEml(notice: {
  from: string;
  subject: string;
  body: string;
  date: Date;
  messageId: string;
}): Promise<Buffer> {
  const composer = new MailComposer({
    from: notice.from,
    subject: notice.subject,
    text: notice.body,
    date: notice.date,
    messageId: notice.messageId,
    textEncoding: "quoted-printable",
  });
  return composer.compile().build();
}
