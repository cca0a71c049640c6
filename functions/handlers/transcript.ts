/** WebSocket route `transcript`. */
import { createEventPublisher } from '../adapters/event-bus.js';
import { requestTranscript } from '../core/chats.js';
import { transcriptSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

let publisher: ReturnType<typeof createEventPublisher> | undefined;

export const handler = wsAction('transcript', transcriptSchema, requestTranscript, {
  events: () => (publisher ??= createEventPublisher()),
});
