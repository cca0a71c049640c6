/** EventBridge Scheduler target: the grace period after an operator's last console closed. */
import { operatorGone } from '../core/connections.js';
import { loadDeps } from './deps.js';
import { observed } from './middleware.js';

export const handler = observed(
  'operator-presence',
  async (event: { operatorId?: unknown; siteId?: unknown }): Promise<void> => {
    if (typeof event.operatorId !== 'string' || typeof event.siteId !== 'string') return;
    await operatorGone(await loadDeps(), event.siteId, event.operatorId);
  },
);
