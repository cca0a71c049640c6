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

/** `"Site name" <address>` (RFC 5322 quoted string); an address that already has a name keeps its own address. */
export function withDisplayName(name: string, from: string): string {
  const address = from.match(/<([^>]+)>/)?.[1] ?? from.trim();
  const clean = name.replace(/[\r\n]+/g, ' ').trim();
  // SES takes non-ASCII display names only as an RFC 2047 encoded word.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: testing for plain ASCII is the point
  if (/[^\x00-\x7f]/.test(clean)) return `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?= <${address}>`;
  return `"${clean.replace(/(["\\])/g, '\\$1')}" <${address}>`;
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
          FromEmailAddress: mail.fromName ? withDisplayName(mail.fromName, from) : from,
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
