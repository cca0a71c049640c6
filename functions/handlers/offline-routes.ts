/**
 * The offline-message routes of the HTTP API (routes.ts), dispatched by http-api.ts. Who may see
 * and handle which message is decided in core/offline-messages.ts; this only parses and maps.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { output, ZodMiniType } from 'zod/mini';
import { createEventPublisher } from '../adapters/event-bus.js';
import { listOfflineMessages, markOfflineHandled, replyToOfflineMessage } from '../core/offline-messages.js';
import type { Deps } from '../core/ports.js';
import type { OperatorRecord } from '../core/types.js';
import { offlineReplySchema } from '../protocol/schemas.js';

let publisher: ReturnType<typeof createEventPublisher> | undefined;

export async function offlineRoute(
  deps: Deps,
  op: OperatorRecord,
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  parseJson: <S extends ZodMiniType>(body: string | undefined, schema: S) => output<S>,
): Promise<{ status: number; body: unknown } | undefined> {
  const id = event.pathParameters?.messageId ?? '';
  switch (event.routeKey) {
    case 'GET /api/offline-messages': {
      const q = event.queryStringParameters ?? {};
      return {
        status: 200,
        body: await listOfflineMessages(deps, op, {
          ...(q.status !== undefined ? { status: q.status } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
          ...(q.limit !== undefined ? { limit: q.limit } : {}),
        }),
      };
    }
    case 'POST /api/offline-messages/{messageId}/handled':
      return { status: 200, body: await markOfflineHandled(deps, op, id) };
    case 'POST /api/offline-messages/{messageId}/reply': {
      const { text } = parseJson(event.body, offlineReplySchema);
      publisher ??= createEventPublisher();
      const events = deps.events ?? publisher;
      return { status: 200, body: await replyToOfflineMessage({ ...deps, events }, op, id, text) };
    }
  }
  return undefined;
}
