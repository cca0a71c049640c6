/** Mail through SES (v2 API): the sender and configuration set come from the environment. */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Mailer } from '../core/transcripts.js';

let client: SESv2Client | undefined;
export function sesClient(): SESv2Client {
  client ??= new SESv2Client({});
  return client;
}
export function setSesClient(next: SESv2Client | undefined): void {
  client = next;
}

export function createSesMailer(
  from = process.env.MAIL_FROM,
  configurationSet = process.env.MAIL_CONFIGURATION_SET,
): Mailer {
  if (!from) throw new Error('Missing required environment variable MAIL_FROM');
  return {
    async send(mail) {
      await sesClient().send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [mail.to] },
          ...(mail.replyTo ? { ReplyToAddresses: [mail.replyTo] } : {}),
          ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
          Content: {
            Simple: {
              Subject: { Data: mail.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: mail.text, Charset: 'UTF-8' }, Html: { Data: mail.html, Charset: 'UTF-8' } },
            },
          },
        }),
      );
    },
  };
}
