/** Canned messages: shared ones (admins write them) and each operator's own. */
import type { CannedMessage } from '../protocol/index.js';
import { BadRequestError, ForbiddenError, NotFoundError } from './errors.js';
import type { Deps } from './ports.js';
import type { OperatorRecord } from './types.js';

export const MAX_CANNED = 200;

export async function listCanned(deps: Pick<Deps, 'store'>, op: OperatorRecord): Promise<CannedMessage[]> {
  const all = await deps.store.listCanned(op.siteId, op.operatorId);
  return all.sort((a, b) => a.scope.localeCompare(b.scope) || a.title.localeCompare(b.title));
}

function assertMayWrite(op: OperatorRecord, scope: CannedMessage['scope']) {
  if (scope === 'shared' && op.role !== 'admin') throw new ForbiddenError('only admins write shared canned messages');
}

export async function saveCanned(
  deps: Pick<Deps, 'store' | 'ids'>,
  op: OperatorRecord,
  input: Omit<CannedMessage, 'id'>,
  id?: string,
): Promise<CannedMessage> {
  assertMayWrite(op, input.scope);
  const existing = await listCanned(deps, op);
  if (id) {
    const current = existing.find((c) => c.id === id);
    if (!current) throw new NotFoundError('no such canned message');
    assertMayWrite(op, current.scope);
    if (current.scope !== input.scope) await deps.store.deleteCanned(op.siteId, op.operatorId, current);
  } else if (existing.length >= MAX_CANNED) {
    throw new BadRequestError(`at most ${MAX_CANNED} canned messages`);
  }
  if (input.shortcut && existing.some((c) => c.shortcut === input.shortcut && c.id !== id)) {
    throw new BadRequestError(`the shortcut /${input.shortcut} is taken`);
  }
  const canned: CannedMessage = { ...input, id: id ?? deps.ids.next() };
  await deps.store.putCanned(op.siteId, op.operatorId, canned);
  return canned;
}

export async function deleteCanned(deps: Pick<Deps, 'store'>, op: OperatorRecord, id: string): Promise<void> {
  const current = await deps.store.getCanned(op.siteId, op.operatorId, id);
  if (!current) throw new NotFoundError('no such canned message');
  assertMayWrite(op, current.scope);
  await deps.store.deleteCanned(op.siteId, op.operatorId, current);
}
