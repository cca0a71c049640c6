/** EventBridge Scheduler target: an automatic invitation came due (core/invitations.ts re-checks all). */
import { log } from '../adapters/log.js';
import { autoInvite } from '../core/invitations.js';
import { loadDeps } from './deps.js';
import { observed } from './middleware.js';

export const handler = observed(
  'auto-invite',
  async (event: { siteId?: unknown; visitorId?: unknown; ruleId?: unknown; start?: unknown }) => {
    if (typeof event.siteId !== 'string' || typeof event.visitorId !== 'string' || typeof event.ruleId !== 'string')
      return;
    const outcome = await autoInvite(await loadDeps(), {
      siteId: event.siteId,
      visitorId: event.visitorId,
      ruleId: event.ruleId,
      start: Number(event.start),
    });
    log.info('auto-invitation', { visitorId: event.visitorId, ruleId: event.ruleId, outcome });
    return { outcome };
  },
);
