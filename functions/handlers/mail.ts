/**
 * The mail function: EventBridge rules deliver `transcript.requested` events here. A failure
 * throws, so EventBridge and Lambda retry; the chat is stored and nothing is lost meanwhile.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { createSesMailer } from '../adapters/mailer.js';
import { sendTranscript } from '../core/transcripts.js';
import { loadDeps } from './deps.js';
import { observed } from './middleware.js';

let mailer: ReturnType<typeof createSesMailer> | undefined;

export const handler = observed(
  'mail',
  async (event: EventBridgeEvent<string, Record<string, unknown>>): Promise<void> => {
    const deps = await loadDeps();
    mailer ??= createSesMailer();
    if (event['detail-type'] === 'transcript.requested') {
      await sendTranscript(deps, mailer, { chatId: String(event.detail.chatId), email: String(event.detail.email) });
      return;
    }
    throw new Error(`mail: no handling for ${event['detail-type']}`);
  },
);
