/** WebSocket route `page-view`. */
import { createOneTimeScheduler } from '../adapters/scheduler.js';
import { visitorTokens } from '../adapters/visitor-tokens.js';
import { recordPageView } from '../core/visitors.js';
import { pageViewSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

let scheduler: ReturnType<typeof createOneTimeScheduler> | undefined;

export const handler = wsAction('page-view', pageViewSchema, recordPageView, {
  tokens: visitorTokens,
  // Automatic invitations are one-time schedules, created when a visitor qualifies.
  scheduler: () => (scheduler ??= createOneTimeScheduler()),
});
