/** The PostToConnection adapter, with the management API client mocked (failure injection). */
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnectionNotifier } from '../../functions/adapters/connection-notifier.js';

const api = mockClient(ApiGatewayManagementApiClient);
afterEach(() => api.reset());

describe('connection notifier', () => {
  it('reports gone connections by error name and still delivers to the others', async () => {
    process.env.PARLEY_LOG = 'silent';
    api.on(PostToConnectionCommand).callsFake(async (input: { ConnectionId: string }) => {
      if (input.ConnectionId === 'dead') throw new GoneException({ message: 'Gone', $metadata: {} });
      if (input.ConnectionId === 'flaky') throw Object.assign(new Error('boom'), { name: 'InternalServerError' });
      return {};
    });
    const notifier = createConnectionNotifier('https://example.execute-api.local/ws');
    const gone = await notifier.send(['a', 'dead', 'flaky', 'b'], { type: 'ack', action: 'x' });
    expect(gone).toEqual(['dead']);
    const targets = api.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input.ConnectionId);
    expect(targets.sort()).toEqual(['a', 'b', 'dead', 'flaky']);
    const body = api.commandCalls(PostToConnectionCommand)[0]!.args[0].input.Data as Uint8Array;
    expect(JSON.parse(new TextDecoder().decode(body))).toEqual({ type: 'ack', action: 'x' });
  });
});
