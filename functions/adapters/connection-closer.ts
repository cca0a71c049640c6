/** Closes WebSockets through the management API (DeleteConnection); an already gone one is fine. */
import { DeleteConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionCloser } from '../core/admin-ports.js';
import { managementClient } from './connection-notifier.js';
import { log } from './log.js';

export function createConnectionCloser(endpoint: string): ConnectionCloser {
  return {
    async close(connectionIds) {
      await Promise.all(
        [...new Set(connectionIds)].map(async (ConnectionId) => {
          try {
            await managementClient(endpoint).send(new DeleteConnectionCommand({ ConnectionId }));
          } catch (err) {
            if ((err as Error).name !== 'GoneException')
              log.warn('delete-connection failed', { connectionId: ConnectionId, error: (err as Error).name });
          }
        }),
      );
    },
  };
}
