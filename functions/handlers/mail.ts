/**
 * The mail function: EventBridge rules deliver `transcript.requested`, `offline-message.received`
 * and `offline-message.reply` here. A failure throws, so EventBridge and Lambda retry (then the
 * dead-letter queue); what is mailed is stored first, and each send is recorded, so a retried or
 * redelivered event neither loses nor repeats anything.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { createSesMailer } from '../adapters/mailer.js';
import { mailOfflineMessage, mailOfflineReply, OFFLINE_RECEIVED, OFFLINE_REPLY } from '../core/offline-messages.js';
import { sendTranscript } from '../core/transcripts.js';
import { loadDeps } from './deps.js';
import { observed } from './middleware.js';

let mailer: ReturnType<typeof createSesMailer> | undefined;

export const handler = observed(
  'mail',
  async (event: EventBridgeEvent<string, Record<string, unknown>>): Promise<void> => {
    const deps = await loadDeps();
    mailer ??= createSesMailer();
    const detail = event.detail ?? {};
    switch (event['detail-type']) {
      case 'transcript.requested':
        await sendTranscript(deps, mailer, { chatId: String(detail.chatId), email: String(detail.email) });
        return;
      case OFFLINE_RECEIVED:
        await mailOfflineMessage(deps, mailer, { messageId: String(detail.messageId) });
        return;
      case OFFLINE_REPLY:
        await mailOfflineReply(deps, mailer, { messageId: String(detail.messageId), replyId: String(detail.replyId) });
        return;
    }
    throw new Error(`mail: no handling for ${event['detail-type']}`);
  },
);
