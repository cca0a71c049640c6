/**
 * The admin and privacy routes of the HTTP API (routes.ts), dispatched by http-api.ts. Every rule
 * (admins only, last admin kept, same site) is checked in core; this only parses and maps.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { output, ZodMiniType } from 'zod/mini';
import { createCognitoDirectory } from '../adapters/cognito-admin.js';
import { createConnectionCloser } from '../adapters/connection-closer.js';
import { createDynamoAdminStore } from '../adapters/dynamo-admin-store.js';
import { documentClient } from '../adapters/dynamo-client.js';
import {
  createDepartment,
  createOperator,
  deleteDepartment,
  listDepartments,
  listOperators,
  setOperatorEnabled,
  updateDepartment,
  updateOperator,
} from '../core/admin.js';
import type { AdminDeps } from '../core/admin-ports.js';
import type { Deps } from '../core/ports.js';
import { deleteVisitor, exportVisitor } from '../core/privacy.js';
import type { OperatorRecord } from '../core/types.js';
import { createOperatorSchema, departmentSchema, updateOperatorSchema } from '../protocol/admin-schemas.js';

let adminDeps: AdminDeps | undefined;

/** Built once per instance; tests may replace it. */
export function loadAdminDeps(): AdminDeps {
  adminDeps ??= {
    admin: createDynamoAdminStore(documentClient(), process.env.TABLE_NAME ?? ''),
    directory: createCognitoDirectory(process.env.USER_POOL_ID ?? ''),
    closer: createConnectionCloser(process.env.WS_CALLBACK_URL ?? ''),
  };
  return adminDeps;
}

export function setAdminDeps(next: AdminDeps | undefined): void {
  adminDeps = next;
}

type Parse = <S extends ZodMiniType>(body: string | undefined, schema: S) => output<S>;
type Reply = { status: number; body: unknown };

/** The reply of an admin/privacy route, or undefined when the route is none of these. */
export async function adminRoute(
  base: Deps,
  op: OperatorRecord,
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  parse: Parse,
): Promise<Reply | undefined> {
  const route = event.routeKey;
  const p = event.pathParameters ?? {};
  const deps = { ...base, ...loadAdminDeps() };
  const ok = (body: unknown, status = 200): Reply => ({ status, body });
  switch (route) {
    case 'GET /api/operators':
      return ok(await listOperators(deps, op, event.queryStringParameters?.all === '1'));
    case 'POST /api/operators':
      return ok(await createOperator(deps, op, parse(event.body, createOperatorSchema)), 201);
    case 'PUT /api/operators/{operatorId}':
      return ok(await updateOperator(deps, op, p.operatorId ?? '', parse(event.body, updateOperatorSchema)));
    case 'POST /api/operators/{operatorId}/disable':
      return ok(await setOperatorEnabled(deps, op, p.operatorId ?? '', false));
    case 'POST /api/operators/{operatorId}/enable':
      return ok(await setOperatorEnabled(deps, op, p.operatorId ?? '', true));
    case 'GET /api/departments':
      return ok(await listDepartments(deps, op));
    case 'POST /api/departments':
      return ok(await createDepartment(deps, op, parse(event.body, departmentSchema)), 201);
    case 'PUT /api/departments/{departmentId}':
      return ok(await updateDepartment(deps, op, p.departmentId ?? '', parse(event.body, departmentSchema)));
    case 'DELETE /api/departments/{departmentId}':
      return ok(await deleteDepartment(deps, op, p.departmentId ?? ''));
    case 'GET /api/visitors/{visitorId}/export':
      return ok(await exportVisitor(deps, op, p.visitorId ?? ''));
    case 'DELETE /api/visitors/{visitorId}':
      return ok(await deleteVisitor(deps, op, p.visitorId ?? ''));
    default:
      return undefined;
  }
}
