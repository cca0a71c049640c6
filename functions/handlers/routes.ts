/**
 * The WebSocket routes and the HTTP API, each with the handler file that serves it.
 * One list, read by the CDK app (one NodejsFunction per entry) and by the local gateway,
 * so the two can never disagree about what runs where.
 */
export interface WsRoute {
  /** API Gateway route key: `$connect`, `$disconnect`, `$default` or an action name. */
  routeKey: string;
  /** Handler file relative to functions/handlers, without extension. */
  entry: string;
}

export const WS_AUTHORIZER_ENTRY = 'ws-authorizer';

/**
 * A route served by API Gateway itself, with no Lambda: `mock` accepts (`$connect`: the
 * authorizer has already decided and recorded what it needs), `dynamodb` makes one DynamoDB call
 * built from the connection's context. The request differs by the authorizer's `role`. Values are
 * DynamoDB JSON; `$context.x` and `$context.authorizer.x` in them are replaced by the connection's
 * context: lib/realtime-api.ts renders this as the integration's VTL template, local/gateway.ts
 * executes it as is (functions/handlers/ws-integrations.ts), so the two cannot drift.
 */
export type WsIntegration =
  | { kind: 'mock' }
  | {
      kind: 'dynamodb';
      action: 'UpdateItem';
      byRole: Record<'visitor' | 'operator', WsDynamoRequest>;
      /** The attributes it may touch (key attributes included): the IAM role allows no others. */
      attributes: readonly string[];
      /** Partition key prefixes it may write (IAM `dynamodb:LeadingKeys`). */
      leadingKeys: readonly string[];
    };

export interface WsDynamoRequest {
  Key: Record<string, { S: string }>;
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeValues: Record<string, { S: string } | { N: string } | { SS: string[] }>;
}

/** The connection's set element (core/connections.ts `socketElement`), from the context. */
const SOCKET_ELEMENT = '$context.connectedAt|$context.connectionId';

const forgetSocket = (pk: string): WsDynamoRequest => ({
  Key: { pk: { S: pk }, sk: { S: 'PROFILE' } },
  UpdateExpression: 'DELETE connIds :c SET lastSeen = :t',
  // Only a recorded socket (a visitor socket that never sent a page view was never counted), and
  // never a write that would create an item.
  ConditionExpression: 'contains(connIds, :e)',
  ExpressionAttributeValues: {
    ':c': { SS: [SOCKET_ELEMENT] },
    ':e': { S: SOCKET_ELEMENT },
    ':t': { N: '$context.requestTimeEpoch' },
  },
});

export const WS_INTEGRATIONS: Readonly<Record<string, WsIntegration>> = {
  $connect: { kind: 'mock' },
  $disconnect: {
    kind: 'dynamodb',
    action: 'UpdateItem',
    byRole: {
      visitor: forgetSocket('VIS#$context.authorizer.visitorId'),
      operator: forgetSocket('OP#$context.authorizer.operatorId'),
    },
    attributes: ['pk', 'sk', 'connIds', 'lastSeen'],
    leadingKeys: ['VIS#', 'OP#'],
  },
};

export const WS_ROUTES: readonly WsRoute[] = [
  { routeKey: '$default', entry: 'ws-default' },
  { routeKey: 'page-view', entry: 'page-view' },
  { routeKey: 'chat-request', entry: 'chat-request' },
  { routeKey: 'chat-message', entry: 'chat-message' },
  { routeKey: 'typing', entry: 'typing' },
  { routeKey: 'end-chat', entry: 'end-chat' },
  { routeKey: 'sync', entry: 'sync' },
  { routeKey: 'hello', entry: 'hello' },
  { routeKey: 'set-status', entry: 'set-status' },
  { routeKey: 'accept', entry: 'accept' },
  { routeKey: 'decline', entry: 'decline' },
  { routeKey: 'transfer', entry: 'transfer' },
  { routeKey: 'add-operator', entry: 'add-operator' },
  { routeKey: 'leave-chat', entry: 'leave-chat' },
  { routeKey: 'hold', entry: 'hold' },
  { routeKey: 'transcript', entry: 'transcript' },
  { routeKey: 'invite', entry: 'invite' },
  { routeKey: 'invite-response', entry: 'invite-response' },
  { routeKey: 'visitor-info', entry: 'visitor-info' },
  { routeKey: 'tag-visitor', entry: 'tag-visitor' },
  { routeKey: 'note-visitor', entry: 'note-visitor' },
  { routeKey: 'leave-message', entry: 'leave-message' },
];

/**
 * The table's stream (NEW_AND_OLD_IMAGES) feeds this function in batches (up to a 1 s window):
 * welcomes, coalesced grid updates to operator consoles, the page-view history, closing sockets,
 * reverse DNS. Only items whose keys match STREAM_KEY_FILTERS reach it (Lambda event filtering in
 * AWS, the same rules locally).
 */
export const STREAM_ENTRY = 'visitor-stream';

/**
 * The stream's second reader (DynamoDB Streams allows two per shard): the report counters, from
 * visitor profiles, in batches gathered for up to REPORT_STREAM_WINDOW_S. Reports are daily
 * figures; a minute of lag buys coalescing: within one batch a page's own exit and the exit taken
 * back when its visitor moves on cancel, and the day's totals are one write, so a page view costs
 * about one counter write instead of two or three.
 */
export const REPORT_STREAM_ENTRY = 'report-stream';
export const REPORT_STREAM_WINDOW_S = 60;
/** Most records per report batch: about two per page view (the view, the close), up to ~3 KB each with both images: ~3 MB, half of what an invocation may carry. */
export const REPORT_STREAM_BATCH_SIZE = 1000;
export const REPORT_STREAM_KEY_FILTERS: readonly { pkPrefix: string; sk?: string; skPrefix?: string }[] = [
  { pkPrefix: 'VIS#', sk: 'PROFILE' },
];

/** EventBridge rules: events of these detail types go to these functions. */
export const EVENT_RULES: readonly { detailType: string; entry: string }[] = [
  { detailType: 'transcript.requested', entry: 'mail' },
  { detailType: 'offline-message.received', entry: 'mail' },
  { detailType: 'offline-message.reply', entry: 'mail' },
];

/** EventBridge Scheduler targets: logical name → function. */
export const SCHEDULE_TARGETS: readonly { target: string; entry: string }[] = [
  { target: 'operator-presence', entry: 'operator-presence' },
  { target: 'auto-invite', entry: 'auto-invite' },
];
/**
 * Visitor profiles (page views, presence: the stream writes the page-view history items from
 * them), operator profiles (consoles closing) and chats.
 */
export const STREAM_KEY_FILTERS: readonly { pkPrefix: string; sk?: string; skPrefix?: string }[] = [
  { pkPrefix: 'VIS#', sk: 'PROFILE' },
  { pkPrefix: 'OP#', sk: 'PROFILE' },
  { pkPrefix: 'CHAT#', sk: 'META' },
];

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway HTTP API path, with {param} placeholders. */
  path: string;
  /** false only for routes that must be reachable before sign-in. */
  auth: boolean;
}

/** Every HTTP route is served by the one `http-api` handler (a small router). */
export const HTTP_API_ENTRY = 'http-api';
export const HTTP_ROUTES: readonly HttpRoute[] = [
  { method: 'POST', path: '/api/ws-ticket', auth: true },
  { method: 'GET', path: '/api/me', auth: true },
  { method: 'GET', path: '/api/chats/{chatId}/messages', auth: true },
  { method: 'GET', path: '/api/visitors/{visitorId}', auth: true },
  { method: 'GET', path: '/api/reports', auth: true },
  { method: 'PUT', path: '/api/me/preferences', auth: true },
  { method: 'GET', path: '/api/settings', auth: true },
  { method: 'PUT', path: '/api/settings', auth: true },
  { method: 'GET', path: '/api/canned', auth: true },
  { method: 'POST', path: '/api/canned', auth: true },
  { method: 'PUT', path: '/api/canned/{cannedId}', auth: true },
  { method: 'DELETE', path: '/api/canned/{cannedId}', auth: true },
  { method: 'GET', path: '/api/operators', auth: true },
  { method: 'GET', path: '/api/auto-invitations', auth: true },
  { method: 'PUT', path: '/api/auto-invitations', auth: true },
  // Offline messages (core/offline-messages.ts): list, mark handled, reply by e-mail.
  { method: 'GET', path: '/api/offline-messages', auth: true },
  { method: 'POST', path: '/api/offline-messages/{messageId}/handled', auth: true },
  { method: 'POST', path: '/api/offline-messages/{messageId}/reply', auth: true },
  // Administration (admins only, checked in core/admin.ts) and privacy (core/privacy.ts).
  { method: 'POST', path: '/api/operators', auth: true },
  { method: 'PUT', path: '/api/operators/{operatorId}', auth: true },
  { method: 'POST', path: '/api/operators/{operatorId}/disable', auth: true },
  { method: 'POST', path: '/api/operators/{operatorId}/enable', auth: true },
  { method: 'GET', path: '/api/departments', auth: true },
  { method: 'POST', path: '/api/departments', auth: true },
  { method: 'PUT', path: '/api/departments/{departmentId}', auth: true },
  { method: 'DELETE', path: '/api/departments/{departmentId}', auth: true },
  { method: 'GET', path: '/api/visitors/{visitorId}/export', auth: true },
  { method: 'DELETE', path: '/api/visitors/{visitorId}', auth: true },
];
