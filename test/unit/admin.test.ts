/** Admin rules with stubbed ports: who may do what, the last admin, disabling, departments, privacy. */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createDepartment,
  createOperator,
  deleteDepartment,
  listOperators,
  setOperatorEnabled,
  updateDepartment,
  updateOperator,
} from '../../functions/core/admin.js';
import {
  type AdminStore,
  type Department,
  type OperatorChanges,
  type RawItem,
  UserExistsError,
} from '../../functions/core/admin-ports.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../../functions/core/errors.js';
import type { Deps, Store } from '../../functions/core/ports.js';
import { deleteVisitor, exportVisitor } from '../../functions/core/privacy.js';
import type { ChatRecord, OperatorRecord } from '../../functions/core/types.js';

const op = (id: string, role: 'admin' | 'operator', extra: Partial<OperatorRecord> = {}): OperatorRecord => ({
  operatorId: id,
  siteId: 'demo',
  name: id.toUpperCase(),
  email: `${id}@x.test`,
  role,
  status: 'online',
  disabled: false,
  connections: 1,
  ...extra,
});

let ops: Map<string, OperatorRecord>;
let depts: Department[];
let chats: ChatRecord[];
let items: RawItem[];
let calls: string[];
/** Lets a test simulate a concurrent change landing right after ours. */
let afterUpdate: (() => void) | undefined;

function deps() {
  const store = {
    getOperator: async (id: string) => ops.get(id),
    siteOperators: async (site: string) => [...ops.values()].filter((o) => o.siteId === site),
    operatorConnections: async () => [
      { connectionId: 'conn-b', role: 'operator', siteId: 'demo', operatorId: 'b', connectedAt: 0 },
      { connectionId: 'conn-a', role: 'operator', siteId: 'demo', operatorId: 'a', connectedAt: 0 },
    ],
    visitorConnections: async () => [
      { connectionId: 'conn-v', role: 'visitor', siteId: 'demo', visitorId: 'V1', connectedAt: 0 },
    ],
    chatsByStatus: async (_s: string, status: string) => chats.filter((c) => c.status === status),
    setChatOperators: async (chatId: string, _e: string[], operators: { id: string; name: string }[]) => {
      calls.push(`setChatOperators ${chatId} ${operators.map((o) => o.id).join(',')}`);
      return { ...chats.find((c) => c.chatId === chatId)!, operators };
    },
    requeueChat: async (chatId: string) => {
      calls.push(`requeue ${chatId}`);
      return { ...chats.find((c) => c.chatId === chatId)!, status: 'queued', operators: [] };
    },
    detachConnections: async (chatId: string, ids: string[]) => void calls.push(`detach ${chatId} ${ids.join(',')}`),
    releaseChatSlot: async (id: string) => void calls.push(`release ${id}`),
    deleteAssignment: async () => undefined,
    appendMessage: async () => ({ ok: false, reason: 'not-found' }),
    setOffers: async () => undefined,
    getSettings: async () => ({}),
    getVisitor: async (id: string) => {
      const p = items.find((i) => i.pk === `VIS#${id}` && i.sk === 'PROFILE');
      return p as never;
    },
    endChat: async (chatId: string) => {
      calls.push(`end ${chatId}`);
      return { ...chats.find((c) => c.chatId === chatId)!, status: 'ended' };
    },
  } as unknown as Store;
  const admin: AdminStore = {
    createOperator: async (o) => {
      if (ops.has(o.operatorId)) return false;
      ops.set(o.operatorId, o);
      return true;
    },
    updateOperator: async (id, changes: OperatorChanges) => {
      const cur = ops.get(id);
      if (!cur) return undefined;
      const next = { ...cur, ...changes } as OperatorRecord & { maxChats?: number | null };
      if (next.maxChats === null) delete next.maxChats;
      ops.set(id, next as OperatorRecord);
      calls.push(`update ${id} ${JSON.stringify(changes)}`);
      const hook = afterUpdate;
      afterUpdate = undefined;
      hook?.();
      return ops.get(id);
    },
    departments: async () => depts,
    putDepartment: async (_s, d) => {
      depts = [...depts.filter((x) => x.id !== d.id), d];
      return true;
    },
    deleteDepartment: async (_s, id) => {
      depts = depts.filter((d) => d.id !== id);
    },
    visitorItems: async (v) => items.filter((i) => i.pk === `VIS#${v}`),
    chatItems: async (c) => items.filter((i) => i.pk === `CHAT#${c}`),
    visitorConnectionItems: async () => [],
    visitorGuardItems: async () => [],
    offlineMessageItems: async (_site, v) => items.filter((i) => i.pk.startsWith('OFFMSG#') && i.visitorId === v),
    deleteItems: async (keys) => {
      const gone = new Set(keys.map((k) => `${k.pk}|${k.sk}`));
      items = items.filter((i) => !gone.has(`${i.pk}|${i.sk}`));
    },
  };
  return {
    store,
    notifier: { send: async () => [] },
    clock: { now: () => 1_700_000_000_000 },
    ids: { next: () => `id${calls.length}` },
    tokens: {} as Deps['tokens'],
    admin,
    directory: {
      createUser: async (u: { email: string }) => {
        if (u.email === 'taken@x.test') throw new UserExistsError();
        calls.push(`cognito create ${u.email}`);
        return `sub-${u.email}`;
      },
      setRole: async (e: string, r: string) => void calls.push(`cognito role ${e} ${r}`),
      setName: async () => undefined,
      setEnabled: async (e: string, on: boolean) => void calls.push(`cognito ${on ? 'enable' : 'disable'} ${e}`),
    },
    closer: { close: async (ids: readonly string[]) => void calls.push(`close ${[...ids].join(',')}`) },
  };
}

beforeEach(() => {
  ops = new Map([
    ['a', op('a', 'admin')],
    ['b', op('b', 'operator', { departments: ['Sales'] })],
    ['z', op('z', 'admin', { siteId: 'elsewhere' })],
  ]);
  depts = [
    { id: 'd1', name: 'Sales', silent: false },
    { id: 'd2', name: 'Back office', silent: true },
  ];
  chats = [];
  items = [];
  calls = [];
  afterUpdate = undefined;
});

const admin = () => ops.get('a')!;
const plain = () => ops.get('b')!;

describe('operator administration rules', () => {
  it('refuses every admin action to an operator who is not an admin', async () => {
    const d = deps();
    const attempts = [
      createOperator(d, plain(), { email: 'n@x.test', name: 'N', role: 'operator' }),
      updateOperator(d, plain(), 'b', { role: 'admin' }),
      setOperatorEnabled(d, plain(), 'a', false),
      createDepartment(d, plain(), { name: 'X' }),
      updateDepartment(d, plain(), 'd1', { name: 'X' }),
      deleteDepartment(d, plain(), 'd1'),
      exportVisitor(d, plain(), 'V1'),
      deleteVisitor(d, plain(), 'V1'),
    ];
    for (const a of attempts) await expect(a).rejects.toBeInstanceOf(ForbiddenError);
    expect(calls).toEqual([]);
  });

  it('lists everyone with status for admins, only enabled operators without flags for others', async () => {
    ops.set('c', op('c', 'operator', { disabled: true }));
    const d = deps();
    expect(
      ((await listOperators(d, admin(), true)) as { id: string; disabled: boolean }[]).map((o) => [o.id, o.disabled]),
    ).toEqual([
      ['a', false],
      ['b', false],
      ['c', true],
    ]);
    // Without `all` (the pickers) an admin too gets only the enabled ones; `all` is for admins only.
    expect((await listOperators(d, admin())).map((o) => o.id)).toEqual(['a', 'b']);
    const seen = await listOperators(d, plain(), true);
    expect(seen.map((o) => o.id)).toEqual(['a', 'b']);
    expect(seen.every((o) => !('disabled' in o))).toBe(true);
  });

  it('creates the Cognito user, then the record; silent derived from its departments', async () => {
    const created = await createOperator(deps(), admin(), {
      email: 'New@X.test',
      name: ' New ',
      role: 'operator',
      departments: ['back office'],
    });
    expect(calls[0]).toBe('cognito create new@x.test');
    expect(created).toMatchObject({ id: 'sub-new@x.test', name: 'New', departments: ['Back office'], silent: true });
    expect(ops.get('sub-new@x.test')?.silent).toBe(true);
  });

  it('refuses an existing account (conflict) and unknown departments (bad request) before writing', async () => {
    await expect(
      createOperator(deps(), admin(), { email: 'taken@x.test', name: 'T', role: 'operator' }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      createOperator(deps(), admin(), { email: 'n@x.test', name: 'N', role: 'operator', departments: ['Nope'] }),
    ).rejects.toBeInstanceOf(BadRequestError);
    expect(calls).toEqual([]);
  });

  it('never lets the last enabled admin be demoted or disabled', async () => {
    await expect(updateOperator(deps(), admin(), 'a', { role: 'operator' })).rejects.toBeInstanceOf(ConflictError);
    ops.set('c', op('c', 'admin'));
    await expect(setOperatorEnabled(deps(), ops.get('c')!, 'a', false)).resolves.toMatchObject({ disabled: true });
    await expect(setOperatorEnabled(deps(), admin(), 'c', false)).rejects.toThrow(/last enabled admin/);
  });

  it('undoes its own demotion when a concurrent change removed the other admin meanwhile', async () => {
    ops.set('c', op('c', 'admin'));
    afterUpdate = () => ops.set('c', { ...ops.get('c')!, role: 'operator' });
    await expect(updateOperator(deps(), admin(), 'a', { role: 'operator' })).rejects.toBeInstanceOf(ConflictError);
    expect(ops.get('a')!.role).toBe('admin');
  });

  it('an admin cannot disable themselves; another site’s operator reads as absent', async () => {
    ops.set('c', op('c', 'admin'));
    await expect(setOperatorEnabled(deps(), admin(), 'a', false)).rejects.toThrow(/yourself/);
    await expect(updateOperator(deps(), admin(), 'z', { name: 'Q' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('disabling: record first, Cognito disabled, their consoles closed, chats to colleagues or back to the queue', async () => {
    chats = [
      {
        chatId: 'solo',
        siteId: 'demo',
        visitorId: 'V1',
        visitorName: 'v',
        status: 'active',
        operators: [{ id: 'b', name: 'B' }],
        createdAt: 0,
        seq: 1,
        conns: { 'conn-b': 'b', 'conn-v': 'v' },
        declinedBy: [],
      },
      {
        chatId: 'conf',
        siteId: 'demo',
        visitorId: 'V2',
        visitorName: 'w',
        status: 'active',
        operators: [
          { id: 'a', name: 'A' },
          { id: 'b', name: 'B' },
        ],
        createdAt: 0,
        seq: 1,
        conns: {},
        declinedBy: [],
      },
      {
        chatId: 'other',
        siteId: 'demo',
        visitorId: 'V3',
        visitorName: 'x',
        status: 'active',
        operators: [{ id: 'a', name: 'A' }],
        createdAt: 0,
        seq: 1,
        conns: {},
        declinedBy: [],
      },
    ];
    const out = await setOperatorEnabled(deps(), admin(), 'b', false);
    expect(out.disabled).toBe(true);
    expect(ops.get('b')).toMatchObject({ disabled: true, status: 'offline' });
    expect(calls.indexOf('cognito disable b@x.test')).toBeGreaterThan(calls.findIndex((c) => c.startsWith('update b')));
    expect(calls).toContain('close conn-b');
    expect(calls).toContain('requeue solo');
    expect(calls).toContain('detach solo conn-b');
    expect(calls).toContain('setChatOperators conf a');
    expect(calls.filter((c) => c === 'release b')).toHaveLength(2);
    expect(calls.some((c) => c.includes('other'))).toBe(false);
  });
});

describe('department rules', () => {
  it('refuses duplicate names (any case), renames members along, and guards deletion while members remain', async () => {
    await expect(createDepartment(deps(), admin(), { name: 'sales' })).rejects.toBeInstanceOf(ConflictError);
    await updateDepartment(deps(), admin(), 'd1', { name: 'Quiet sales', silent: true });
    expect(ops.get('b')).toMatchObject({ departments: ['Quiet sales'], silent: true });
    await expect(deleteDepartment(deps(), admin(), 'd1')).rejects.toThrow(/1 operator/);
    await updateOperator(deps(), admin(), 'b', { departments: [] });
    expect(ops.get('b')!.silent).toBe(false);
    expect(await deleteDepartment(deps(), admin(), 'd1')).toEqual({ deleted: true });
  });
});

describe('privacy rules', () => {
  beforeEach(() => {
    items = [
      { pk: 'VIS#V1', sk: 'PROFILE', visitorId: 'V1', siteId: 'demo', openChatId: 'c2', ip: '203.0.113.77' },
      { pk: 'VIS#V1', sk: 'PV#1#1', url: 'https://a.test/' },
      { pk: 'VIS#V1', sk: 'CHAT#1#c1', chatId: 'c1' },
      { pk: 'CHAT#c1', sk: 'META', chatId: 'c1', visitorId: 'V1' },
      { pk: 'CHAT#c1', sk: 'MSG#0000000001', text: 'hello' },
      { pk: 'CHAT#c2', sk: 'META', chatId: 'c2', visitorId: 'V1' },
      { pk: 'CHAT#cX', sk: 'META', chatId: 'cX', visitorId: 'V9' },
      { pk: 'VIS#V9', sk: 'PROFILE', visitorId: 'V9', siteId: 'elsewhere' },
      { pk: 'OFFMSG#o1', sk: 'META', visitorId: 'V1', text: 'call me back' },
    ];
    chats = [
      {
        chatId: 'c2',
        siteId: 'demo',
        visitorId: 'V1',
        visitorName: 'v',
        status: 'active',
        operators: [{ id: 'b', name: 'B' }],
        createdAt: 0,
        seq: 0,
        conns: {},
        declinedBy: [],
      },
    ];
  });

  it('exports the visitor’s items and their chats’ items, not another visitor’s', async () => {
    const x = (await exportVisitor(deps(), admin(), 'V1')) as unknown as {
      pageViews: unknown[];
      chats: { chatId: string; messages: { text: string }[] }[];
    };
    expect(x.pageViews).toHaveLength(1);
    expect(x.chats.map((c) => c.chatId).sort()).toEqual(['c1', 'c2']);
    expect(x.chats.find((c) => c.chatId === 'c1')!.messages.map((m) => m.text)).toEqual(['hello']);
    expect(JSON.stringify(x)).not.toContain('cX');
    expect((x as unknown as { offlineMessages: { text: string }[] }).offlineMessages.map((m) => m.text)).toEqual([
      'call me back',
    ]);
    await expect(exportVisitor(deps(), admin(), 'V9')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletion ends the open chat first, closes the sockets, removes every item, and is idempotent', async () => {
    const d = deps();
    const out = await deleteVisitor(d, admin(), 'V1');
    expect(calls[0]).toBe('end c2');
    expect(calls).toContain('release b');
    expect(calls).toContain('close conn-v');
    expect(out.deleted).toBe(7);
    expect(items.map((i) => i.pk)).toEqual(['CHAT#cX', 'VIS#V9']);
    expect(await deleteVisitor(d, admin(), 'V1')).toEqual({ deleted: 0 });
  });
});
