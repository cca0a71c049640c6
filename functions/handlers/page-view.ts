/** WebSocket route `page-view`. */
import { visitorTokens } from '../adapters/visitor-tokens.js';
import { recordPageView } from '../core/visitors.js';
import { pageViewSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('page-view', pageViewSchema, recordPageView, { tokens: visitorTokens });
