/** EventBridge Scheduler target: the grace period after an operator's last console closed. */
import { operatorGone } from '../core/connections.js';
import { loadDeps } from './deps.js';

export const handler = async (event: { operatorId?: unknown; siteId?: unknown }): Promise<void> => {
  if (typeof event.operatorId !== 'string' || typeof event.siteId !== 'string') return;
  await operatorGone(await loadDeps(), event.siteId, event.operatorId);
};
