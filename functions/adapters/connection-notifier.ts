/**
 * Delivery over the API Gateway management API (PostToConnection). GoneException means the socket
 * is gone: reported to the caller, never thrown. Throttling is retried by the SDK's standard retry
 * strategy (exponential backoff with jitter).
 */
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Notifier } from '../core/ports.js';
import type { ServerEvent } from '../protocol/index.js';
import { sdkHttpOptions } from './http-options.js';
import { log } from './log.js';
import { metrics } from './metrics.js';

const clients = new Map<string, ApiGatewayManagementApiClient>();

/** One client per endpoint, created lazily (the endpoint is only known from configuration). */
export function managementClient(endpoint: string): ApiGatewayManagementApiClient {
  let c = clients.get(endpoint);
  if (!c) {
    c = new ApiGatewayManagementApiClient({ endpoint, maxAttempts: 4, ...sdkHttpOptions() });
    clients.set(endpoint, c);
  }
  return c;
}

export function createConnectionNotifier(endpoint: string): Notifier {
  return {
    async send(connectionIds, frame: ServerEvent) {
      const client = managementClient(endpoint);
      const data = new TextEncoder().encode(JSON.stringify(frame));
      const gone: string[] = [];
      await Promise.all(
        connectionIds.map(async (ConnectionId) => {
          try {
            await client.send(new PostToConnectionCommand({ ConnectionId, Data: data }));
          } catch (err) {
            const name = (err as Error).name || 'Error';
            // Gone sockets are routine (a closed tab); counted all the same, the name tells them apart.
            metrics.count('DeliveryFailures', undefined, { error: name });
            if (name === 'GoneException') gone.push(ConnectionId);
            else log.warn('post-to-connection failed', { target: ConnectionId, error: name });
          }
        }),
      );
      return gone;
    },
  };
}
