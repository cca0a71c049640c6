/**
 * The WebSocket routes API Gateway serves without a Lambda (WS_INTEGRATIONS in routes.ts), in the
 * two forms that run them: the VTL request template of the API Gateway integration (CDK) and the
 * DynamoDB request the local gateway sends. Both come from the same definition.
 */
import type { WsDynamoRequest, WsIntegration } from './routes.js';

type DynamoIntegration = Extract<WsIntegration, { kind: 'dynamodb' }>;

/** The context a request template may read (API Gateway's `$context`, flattened as it names them). */
export interface IntegrationContext {
  connectionId: string;
  connectedAt: number;
  requestTimeEpoch: number;
  authorizer: Record<string, unknown>;
}

const VARIABLE = /\$context\.(authorizer\.)?([A-Za-z]+)/g;

/**
 * Authorizer values and API Gateway ids only ever hold these characters (ids are base64, ours are
 * [A-Za-z0-9_-]); anything else in them is refused rather than spliced into a request.
 */
const SAFE = /^[A-Za-z0-9_=+/-]{1,128}$/;

function substitute(text: string, ctx: IntegrationContext): string {
  return text.replace(VARIABLE, (_, fromAuthorizer: string | undefined, name: string) => {
    const value = fromAuthorizer ? ctx.authorizer[name] : (ctx as unknown as Record<string, unknown>)[name];
    const s = String(value ?? '');
    if (!SAFE.test(s)) throw new Error(`$context.${fromAuthorizer ?? ''}${name} is missing or malformed`);
    return s;
  });
}

/** The DynamoDB request for this connection's role, exactly as the VTL template renders it. */
export function integrationRequest(
  integration: DynamoIntegration,
  tableName: string,
  ctx: IntegrationContext,
): { action: DynamoIntegration['action']; input: WsDynamoRequest & { TableName: string } } {
  const role = ctx.authorizer.role === 'operator' ? 'operator' : 'visitor';
  const rendered = JSON.parse(substitute(JSON.stringify(integration.byRole[role]), ctx)) as WsDynamoRequest;
  return { action: integration.action, input: { TableName: tableName, ...rendered } };
}

/**
 * The VTL request template: one JSON body per role, chosen on `$context.authorizer.role`. Every
 * value in the definition is a literal or a `$context` variable, so the JSON needs no escaping
 * beyond what JSON.stringify did; `#` inside strings (key prefixes) is not a VTL directive.
 */
export function requestTemplate(integration: DynamoIntegration, tableName: string): string {
  const body = (role: 'visitor' | 'operator') => JSON.stringify({ TableName: tableName, ...integration.byRole[role] });
  return `#if($context.authorizer.role == "operator")\n${body('operator')}\n#else\n${body('visitor')}\n#end\n`;
}
