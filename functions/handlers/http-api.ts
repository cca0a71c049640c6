/**
 * The operator HTTP API behind API Gateway's Cognito JWT authorizer: the token is verified before
 * this runs; here the operator's own record (status, role, disabled) decides what they may do.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import type { output, ZodMiniType } from 'zod/mini';
import { log } from '../adapters/log.js';
import { deleteCanned, listCanned, saveCanned } from '../core/canned.js';
import { BadRequestError, describeError, ForbiddenError, NotFoundError } from '../core/errors.js';
import { issueTicket, type OperatorClaims, operatorFromClaims, updatePreferences } from '../core/operators.js';
import { silentMaySee } from '../core/permissions.js';
import { reportRange, siteReport } from '../core/reports.js';
import { forgetSiteSettings, settingsView, siteSettings, updateSettings } from '../core/settings.js';
import { operatorProfile } from '../core/views.js';
import { visitorDetails } from '../core/visitors.js';
import { autoInvitationRulesSchema, cannedSchema, preferencesSchema, settingsSchema } from '../protocol/schemas.js';
import { adminRoute } from './admin-routes.js';
import { loadDeps } from './deps.js';
import { observed } from './middleware.js';
import { offlineRoute } from './offline-routes.js';

const SITE_ID = process.env.SITE_ID || 'demo';

function json(statusCode: number, body: unknown): APIGatewayProxyResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

function parseJson<S extends ZodMiniType>(body: string | undefined, schema: S): output<S> {
  let data: unknown;
  try {
    data = JSON.parse(body ?? '');
  } catch (cause) {
    throw new BadRequestError('the body must be JSON', { cause });
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new BadRequestError(
      parsed.error.issues
        .slice(0, 3)
        .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
        .join('; '),
    );
  }
  return parsed.data;
}

/**
 * Every id in a path is one of ours (ULIDs, Cognito subs): refused here when it cannot be, so a
 * hostile one never reaches DynamoDB (a key over its size limit is a ValidationException, a 500).
 */
const PATH_ID = /^[A-Za-z0-9_-]{1,64}$/;
function assertPathParameters(params: Record<string, string | undefined> | undefined): void {
  for (const value of Object.values(params ?? {})) {
    if (value === undefined || !PATH_ID.test(value)) throw new NotFoundError('no such item');
  }
}

function claimsOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): OperatorClaims {
  const c = event.requestContext.authorizer?.jwt?.claims ?? {};
  if (!c.sub) throw new ForbiddenError('not signed in');
  const raw = c['cognito:groups'];
  const groups = Array.isArray(raw)
    ? raw.map(String)
    : typeof raw === 'string'
      ? raw
          .replace(/^\[|\]$/g, '')
          .split(/[\s,]+/)
          .filter(Boolean)
      : [];
  return {
    sub: String(c.sub),
    ...(c.email ? { email: String(c.email) } : {}),
    ...(c.name ? { name: String(c.name) } : {}),
    groups,
  };
}

export const handler = observed(
  'http-api',
  middy<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2>().handler(async (event) => {
    try {
      const deps = await loadDeps();
      const op = await operatorFromClaims(deps, claimsOf(event), SITE_ID);
      const route = event.routeKey;
      assertPathParameters(event.pathParameters);
      if (route === 'POST /api/ws-ticket') return json(200, await issueTicket(deps, op));
      if (route === 'GET /api/me') return json(200, operatorProfile(op));
      if (route === 'GET /api/chats/{chatId}/messages') {
        const chatId = event.pathParameters?.chatId ?? '';
        const after = Number(event.queryStringParameters?.after ?? '0');
        if (!Number.isInteger(after) || after < 0) throw new BadRequestError('after must be a whole number');
        const chat = await deps.store.getChat(chatId);
        if (!chat || chat.siteId !== op.siteId || !silentMaySee(op, chat)) throw new NotFoundError('no such chat');
        return json(200, { chatId, messages: await deps.store.messagesAfter(chatId, after, 500) });
      }
      if (route === 'GET /api/visitors/{visitorId}') {
        return json(200, await visitorDetails(deps, op, event.pathParameters?.visitorId ?? ''));
      }
      if (route === 'GET /api/reports') {
        const q = event.queryStringParameters ?? {};
        const range = reportRange(q.from, q.to, deps.clock.now());
        return json(200, await siteReport(deps, op.siteId, range.from, range.to));
      }
      if (route === 'PUT /api/me/preferences') {
        return json(200, await updatePreferences(deps, op, parseJson(event.body, preferencesSchema)));
      }
      if (route === 'GET /api/canned') return json(200, await listCanned(deps, op));
      if (route === 'POST /api/canned')
        return json(201, await saveCanned(deps, op, parseJson(event.body, cannedSchema)));
      if (route === 'PUT /api/canned/{cannedId}') {
        const id = event.pathParameters?.cannedId ?? '';
        return json(200, await saveCanned(deps, op, parseJson(event.body, cannedSchema), id));
      }
      if (route === 'DELETE /api/canned/{cannedId}') {
        await deleteCanned(deps, op, event.pathParameters?.cannedId ?? '');
        return json(200, { deleted: true });
      }
      if (route === 'GET /api/auto-invitations')
        return json(200, (await siteSettings(deps, op.siteId)).autoInvitations);
      if (route === 'PUT /api/auto-invitations') {
        if (op.role !== 'admin') throw new ForbiddenError('only admins change automatic invitations');
        const rules = parseJson(event.body, autoInvitationRulesSchema);
        await deps.store.putAutoInvitations(op.siteId, rules);
        forgetSiteSettings(op.siteId);
        return json(200, rules);
      }
      if (route === 'GET /api/settings') return json(200, await settingsView(deps, op.siteId));
      if (route === 'PUT /api/settings') {
        return json(200, await updateSettings(deps, op, parseJson(event.body, settingsSchema)));
      }
      const offline = await offlineRoute(deps, op, event, parseJson);
      if (offline) return json(offline.status, offline.body);
      const admin = await adminRoute(deps, op, event, parseJson);
      if (admin) return json(admin.status, admin.body);
      throw new NotFoundError(`no route ${route}`);
    } catch (err) {
      const { code, message, status } = describeError(err);
      if (status >= 500) log.error('http api failed', { error: String((err as Error)?.stack ?? err) });
      return json(status, { error: { code, message } });
    }
  }),
);
