/**
 * `$connect` REQUEST authorizer: decides who the socket is. Its context (role, site, visitor or
 * operator id) rides on every later event of the connection, so no action needs a lookup to know
 * its caller. A refusal is a Deny policy: API Gateway answers the upgrade with 403.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { log } from '../adapters/log.js';
import { visitorTokens } from '../adapters/visitor-tokens.js';
import { authorizeConnect } from '../core/connections.js';
import { ParleyError } from '../core/errors.js';
import { loadDeps } from './deps.js';
import { observed } from './middleware.js';

function policy(effect: 'Allow' | 'Deny', resource: string, principalId: string, context?: Record<string, string>) {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    ...(context ? { context } : {}),
  } satisfies APIGatewayAuthorizerResult;
}

export const handler = observed(
  'ws-authorizer',
  async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const deps = await loadDeps({ tokens: visitorTokens });
    const q = event.queryStringParameters ?? {};
    try {
      const identity = await authorizeConnect(deps, {
        ...(q.role ? { role: q.role } : {}),
        ...(q.site ? { site: q.site } : {}),
        ...(q.vt ? { vt: q.vt } : {}),
        ...(q.ticket ? { ticket: q.ticket } : {}),
      });
      const context: Record<string, string> =
        identity.role === 'visitor'
          ? {
              role: 'visitor',
              siteId: identity.siteId,
              visitorId: identity.visitorId,
              returning: String(identity.returning),
            }
          : { role: 'operator', siteId: identity.siteId, operatorId: identity.operatorId };
      const principal =
        identity.role === 'visitor' ? `visitor:${identity.visitorId}` : `operator:${identity.operatorId}`;
      return policy('Allow', event.methodArn, principal, context);
    } catch (err) {
      if (!(err instanceof ParleyError)) log.error('authorizer failed', { error: String(err) });
      else log.info('connection refused', { reason: err.message, role: q.role });
      return policy('Deny', event.methodArn, 'anonymous');
    }
  },
);
