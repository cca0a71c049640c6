/**
 * Operator and department administration (admins only, checked here on every call). Parley's table
 * is the source of truth for role, departments and status; the user directory (Cognito) follows it
 * so that a disabled operator cannot sign in either.
 */
import type { OperatorProfile } from '../protocol/index.js';
import type { AdminDeps, Department, OperatorChanges } from './admin-ports.js';
import { UserExistsError } from './admin-ports.js';
import { broadcastOperators } from './connections.js';
import { chatConnectionIds, deliver } from './delivery.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from './errors.js';
import { broadcastQueue } from './operators.js';
import type { Deps } from './ports.js';
import { offerTargets, operatorUnavailable } from './routing.js';
import { siteSettings } from './settings.js';
import { type ServerTexts, textsFor } from './texts.js';
import type { ChatRecord, OperatorRecord } from './types.js';
import { chatSummary, operatorProfile } from './views.js';
import { forgetOperatorsOnline } from './visitors.js';

export type AdminContext = Deps & AdminDeps;

/** What an admin sees of an operator: the profile plus the disabled flag (no preferences). */
export type AdminOperatorView = Omit<OperatorProfile, 'preferences'> & { disabled: boolean };

export interface CreateOperatorInput {
  email: string;
  name: string;
  role: 'admin' | 'operator';
  departments?: string[];
  maxChats?: number;
}

export interface UpdateOperatorInput {
  name?: string;
  role?: 'admin' | 'operator';
  departments?: string[];
  /** null clears the personal limit (the site's applies). */
  maxChats?: number | null;
}

export interface DepartmentInput {
  name: string;
  silent?: boolean;
}

export function requireAdmin(op: OperatorRecord): void {
  if (op.role !== 'admin') throw new ForbiddenError('only admins may do that');
}

function adminView(op: OperatorRecord): AdminOperatorView {
  const { preferences, ...profile } = operatorProfile(op);
  void preferences; // one's own preferences are nobody else's business
  return { ...profile, disabled: op.disabled };
}

/**
 * The enabled operators (transfer and conference pickers); with `all`, for admins only, every
 * operator with the disabled flag (the Team screen).
 */
export async function listOperators(
  deps: Pick<Deps, 'store'>,
  caller: OperatorRecord,
  all = false,
): Promise<(AdminOperatorView | Omit<AdminOperatorView, 'disabled'>)[]> {
  const ops = await deps.store.siteOperators(caller.siteId);
  if (all && caller.role === 'admin') return ops.map(adminView).sort((a, b) => a.name.localeCompare(b.name));
  return ops
    .filter((o) => !o.disabled)
    .map((o) => {
      const { disabled, ...rest } = adminView(o);
      void disabled;
      return rest;
    });
}

async function targetOperator(deps: Pick<Deps, 'store'>, caller: OperatorRecord, operatorId: string) {
  const target = await deps.store.getOperator(operatorId);
  // Another site's operator reads as absent.
  if (!target || target.siteId !== caller.siteId) throw new NotFoundError('no such operator');
  return target;
}

/** Departments named must exist; an operator is silent when any of their departments is. */
async function resolveDepartments(deps: AdminContext, siteId: string, names: string[] | undefined) {
  const all = await deps.admin.departments(siteId);
  const wanted = [...new Set((names ?? []).map((n) => n.trim()).filter(Boolean))];
  const found = wanted.map((n) => all.find((d) => d.name.toLowerCase() === n.toLowerCase()));
  const missing = wanted.filter((_, i) => !found[i]);
  if (missing.length) throw new BadRequestError(`no such department: ${missing.join(', ')}`);
  const depts = found as Department[];
  return { names: depts.map((d) => d.name), silent: depts.some((d) => d.silent) };
}

const enabledAdmins = (ops: OperatorRecord[]) => ops.filter((o) => o.role === 'admin' && !o.disabled);

/**
 * Refuses a change that leaves the site with no enabled admin. There are no transactions, so the
 * change is written and then checked: if a concurrent change emptied the admins, ours is undone
 * (both undone at worst, which leaves admins, never none).
 */
async function keepAnAdmin(
  deps: AdminContext,
  target: OperatorRecord,
  changes: OperatorChanges,
  undo: OperatorChanges,
): Promise<OperatorRecord> {
  const losesAdmin =
    target.role === 'admin' && !target.disabled && (changes.role === 'operator' || changes.disabled === true);
  if (losesAdmin) {
    const admins = enabledAdmins(await deps.store.siteOperators(target.siteId));
    if (!admins.some((a) => a.operatorId !== target.operatorId))
      throw new ConflictError('this is the last enabled admin: make someone else an admin first');
  }
  const updated = await deps.admin.updateOperator(target.operatorId, changes);
  if (!updated) throw new NotFoundError('no such operator');
  if (losesAdmin && enabledAdmins(await deps.store.siteOperators(target.siteId)).length === 0) {
    await deps.admin.updateOperator(target.operatorId, undo);
    throw new ConflictError('this is the last enabled admin: make someone else an admin first');
  }
  return updated;
}

export async function createOperator(
  deps: AdminContext,
  caller: OperatorRecord,
  input: CreateOperatorInput,
): Promise<AdminOperatorView> {
  requireAdmin(caller);
  const email = input.email.trim().toLowerCase();
  const depts = await resolveDepartments(deps, caller.siteId, input.departments);
  let sub: string;
  try {
    // Cognito mails the invitation with a temporary password; the console handles the first sign-in.
    sub = await deps.directory.createUser({ email, name: input.name.trim(), role: input.role });
  } catch (err) {
    if (err instanceof UserExistsError) throw new ConflictError(`${email} already has an account`);
    throw err;
  }
  const record: OperatorRecord = {
    operatorId: sub,
    siteId: caller.siteId,
    name: input.name.trim(),
    email,
    role: input.role,
    status: 'offline',
    disabled: false,
    connections: 0,
    departments: depts.names,
    ...(depts.silent ? { silent: true } : {}),
    ...(input.maxChats !== undefined ? { maxChats: input.maxChats } : {}),
  };
  if (!(await deps.admin.createOperator(record))) throw new ConflictError(`${email} is already an operator`);
  await broadcastOperators(deps, caller.siteId);
  return adminView(record);
}

export async function updateOperator(
  deps: AdminContext,
  caller: OperatorRecord,
  operatorId: string,
  input: UpdateOperatorInput,
): Promise<AdminOperatorView> {
  requireAdmin(caller);
  const target = await targetOperator(deps, caller, operatorId);
  const changes: OperatorChanges = {};
  const undo: OperatorChanges = {};
  if (input.name !== undefined && input.name.trim() !== target.name) changes.name = input.name.trim();
  if (input.role !== undefined && input.role !== target.role) {
    changes.role = input.role;
    undo.role = target.role;
  }
  if (input.departments !== undefined) {
    const depts = await resolveDepartments(deps, caller.siteId, input.departments);
    changes.departments = depts.names;
    changes.silent = depts.silent;
  }
  if (input.maxChats !== undefined) changes.maxChats = input.maxChats;
  if (Object.keys(changes).length === 0) return adminView(target);
  const updated = await keepAnAdmin(deps, target, changes, undo);
  if (changes.role) await deps.directory.setRole(target.email, changes.role);
  if (changes.name) await deps.directory.setName(target.email, changes.name);
  forgetOperatorsOnline(caller.siteId);
  await broadcastOperators(deps, caller.siteId);
  // A silent or narrower operator may no longer be offered what they were.
  if (changes.silent || changes.departments) await operatorUnavailable(deps, caller.siteId, operatorId);
  return adminView(updated);
}

/**
 * Disable or enable. Disabling takes effect at once: the table says so (checked on every `$connect`
 * and request), Cognito refuses their sign-in, their open consoles are closed, their chats go to
 * the remaining operators or back to the queue, and offers to them move on.
 */
export async function setOperatorEnabled(
  deps: AdminContext,
  caller: OperatorRecord,
  operatorId: string,
  enabled: boolean,
): Promise<AdminOperatorView> {
  requireAdmin(caller);
  const target = await targetOperator(deps, caller, operatorId);
  if (!enabled && operatorId === caller.operatorId) throw new ConflictError('you cannot disable yourself');
  const updated = enabled
    ? await deps.admin.updateOperator(operatorId, { disabled: false })
    : await keepAnAdmin(deps, target, { disabled: true, status: 'offline' }, { disabled: false });
  if (!updated) throw new NotFoundError('no such operator');
  await deps.directory.setEnabled(target.email, enabled);
  forgetOperatorsOnline(caller.siteId);
  if (!enabled) {
    const sockets = (await deps.store.operatorConnections(caller.siteId)).filter((c) => c.operatorId === operatorId);
    const fresh = await deps.store.getOperator(operatorId);
    await deps.closer.close([
      ...sockets.map((c) => c.connectionId),
      ...(fresh?.sockets ?? []).map((s) => s.connectionId),
    ]);
    await releaseChats(deps, target);
    await operatorUnavailable(deps, caller.siteId, operatorId);
    await broadcastQueue(deps, caller.siteId);
  }
  await broadcastOperators(deps, caller.siteId);
  return adminView(updated);
}

/** A system line in the chat's language (texts.ts). */
async function systemMessage(deps: Deps, chat: ChatRecord, line: (t: ServerTexts) => string): Promise<void> {
  const t = textsFor((await siteSettings(deps, chat.siteId)).widget.lang, chat.lang);
  const result = await deps.store.appendMessage({
    chatId: chat.chatId,
    id: deps.ids.next(),
    from: { kind: 'system', id: 'system', name: t.system },
    text: line(t),
    at: deps.clock.now(),
    guard: { kind: 'system' },
  });
  if (result.ok)
    await deliver(deps, chatConnectionIds(result.chat), { type: 'message', ...result.message }, chat.chatId);
}

/** A disabled operator's chats: to the colleagues in a conference, else back to the queue. */
async function releaseChats(deps: Deps, gone: OperatorRecord): Promise<void> {
  const [active, operators, settings] = await Promise.all([
    deps.store.chatsByStatus(gone.siteId, 'active', 500),
    deps.store.siteOperators(gone.siteId),
    siteSettings(deps, gone.siteId),
  ]);
  const consoles = (await deps.store.operatorConnections(gone.siteId)).map((c) => c.connectionId);
  for (const chat of active.filter((c) => c.operators.some((o) => o.id === gone.operatorId))) {
    const before = chat.operators.map((o) => o.id);
    const remaining = chat.operators.filter((o) => o.id !== gone.operatorId);
    const theirs = Object.entries(chat.conns)
      .filter(([, who]) => who === gone.operatorId)
      .map(([id]) => id);
    let after: ChatRecord | undefined;
    if (remaining.length) {
      after = await deps.store.setChatOperators(chat.chatId, before, remaining);
    } else {
      const others = operators.filter((o) => o.operatorId !== gone.operatorId);
      const base = { ...chat, declinedBy: [], assignedOperatorId: undefined } as ChatRecord;
      after = await deps.store.requeueChat(
        chat.chatId,
        before,
        chat.department ?? '',
        offerTargets(base, others, settings.console),
      );
      await deps.store.deleteAssignment(chat.visitorId, gone.operatorId);
    }
    // A concurrent transfer or end got there first: it already moved the chat on.
    if (!after) continue;
    await deps.store.detachConnections(chat.chatId, theirs);
    await deps.store.releaseChatSlot(gone.operatorId);
    const conns = Object.fromEntries(Object.entries(after.conns).filter(([id]) => !theirs.includes(id)));
    const next = { ...after, conns };
    await deliver(
      deps,
      [...new Set([...consoles, ...Object.keys(conns)])],
      { type: 'chat-update', chat: chatSummary(next) },
      chat.chatId,
    );
    await systemMessage(deps, next, (t) =>
      remaining.length ? t.leftConversation(gone.name) : t.noLongerAvailable(gone.name),
    );
  }
}

export async function listDepartments(deps: AdminContext, caller: OperatorRecord) {
  const [depts, ops] = await Promise.all([
    deps.admin.departments(caller.siteId),
    deps.store.siteOperators(caller.siteId),
  ]);
  return depts
    .map((d) => ({ ...d, members: ops.filter((o) => !o.disabled && (o.departments ?? []).includes(d.name)).length }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function createDepartment(deps: AdminContext, caller: OperatorRecord, input: DepartmentInput) {
  requireAdmin(caller);
  const name = input.name.trim();
  const all = await deps.admin.departments(caller.siteId);
  if (all.some((d) => d.name.toLowerCase() === name.toLowerCase())) throw new ConflictError(`${name} already exists`);
  const dept: Department = { id: deps.ids.next(), name, silent: input.silent ?? false };
  if (!(await deps.admin.putDepartment(caller.siteId, dept, true))) throw new ConflictError(`${name} already exists`);
  return { ...dept, members: 0 };
}

/** Rename or change the silent flag; members' records follow (names and the derived silent flag). */
export async function updateDepartment(deps: AdminContext, caller: OperatorRecord, id: string, input: DepartmentInput) {
  requireAdmin(caller);
  const all = await deps.admin.departments(caller.siteId);
  const dept = all.find((d) => d.id === id);
  if (!dept) throw new NotFoundError('no such department');
  const name = input.name.trim();
  if (all.some((d) => d.id !== id && d.name.toLowerCase() === name.toLowerCase()))
    throw new ConflictError(`${name} already exists`);
  const next: Department = { id, name, silent: input.silent ?? dept.silent };
  await deps.admin.putDepartment(caller.siteId, next, false);
  const depts = all.map((d) => (d.id === id ? next : d));
  const ops = await deps.store.siteOperators(caller.siteId);
  const members = ops.filter((o) => (o.departments ?? []).includes(dept.name));
  for (const o of members) {
    const names = (o.departments ?? []).map((n) => (n === dept.name ? name : n));
    const silent = names.some((n) => depts.find((d) => d.name === n)?.silent);
    await deps.admin.updateOperator(o.operatorId, { departments: names, silent });
    if (silent) await operatorUnavailable(deps, caller.siteId, o.operatorId);
  }
  if (members.length) await broadcastOperators(deps, caller.siteId);
  return { ...next, members: members.filter((o) => !o.disabled).length };
}

/** Deleting a department that still has operators is refused: move them first. */
export async function deleteDepartment(deps: AdminContext, caller: OperatorRecord, id: string) {
  requireAdmin(caller);
  const all = await deps.admin.departments(caller.siteId);
  const dept = all.find((d) => d.id === id);
  if (!dept) return { deleted: false };
  const members = (await deps.store.siteOperators(caller.siteId)).filter((o) =>
    (o.departments ?? []).includes(dept.name),
  );
  if (members.length)
    throw new ConflictError(
      `${dept.name} still has ${members.length} operator${members.length === 1 ? '' : 's'}: remove them from it first`,
    );
  await deps.admin.deleteDepartment(caller.siteId, id);
  return { deleted: true };
}

/** The department names a visitor may choose from (silent ones are never offered chats). */
export async function publicDepartments(deps: Pick<AdminDeps, 'admin'>, siteId: string): Promise<string[]> {
  return (await deps.admin.departments(siteId))
    .filter((d) => !d.silent)
    .map((d) => d.name)
    .sort();
}
