/** `$connect`: records the connection the authorizer admitted. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { connect } from '../core/connections.js';
import { loadDeps } from './deps.js';
import { identityOf, type WsEvent } from './ws-kit.js';

export const handler = async (event: WsEvent): Promise<APIGatewayProxyResult> => {
  const deps = await loadDeps();
  await connect(deps, identityOf(event), event.requestContext.connectionId);
  return { statusCode: 200, body: '' };
};
