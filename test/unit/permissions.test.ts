import { describe, expect, it } from 'vitest';
import { isAssignedOperator, isChatVisitor, mayControlChat, mayReadChat } from '../../functions/core/permissions.js';
import type { ChatRecord, Identity, OperatorRecord } from '../../functions/core/types.js';

const chat: ChatRecord = {
  chatId: 'c1',
  siteId: 'demo',
  visitorId: 'V1',
  visitorName: 'Ann',
  status: 'active',
  operators: [{ id: 'op-a', name: 'A' }],
  createdAt: 0,
  seq: 3,
  conns: {},
  declinedBy: [],
};
const visitor: Identity = { role: 'visitor', siteId: 'demo', visitorId: 'V1', returning: false };
const otherVisitor: Identity = { role: 'visitor', siteId: 'demo', visitorId: 'V2', returning: false };
const assigned: Identity = { role: 'operator', siteId: 'demo', operatorId: 'op-a' };
const notAssigned: Identity = { role: 'operator', siteId: 'demo', operatorId: 'op-b' };
const foreignOperator: Identity = { role: 'operator', siteId: 'elsewhere', operatorId: 'op-a' };
const op = (id: string, role: 'admin' | 'operator', siteId = 'demo'): OperatorRecord => ({
  operatorId: id,
  siteId,
  name: id,
  email: '',
  role,
  status: 'online',
  disabled: false,
  connections: 1,
});

describe('chat permissions', () => {
  it('knows the chat’s own visitor and no other', () => {
    expect(isChatVisitor(visitor, chat)).toBe(true);
    expect(isChatVisitor(otherVisitor, chat)).toBe(false);
  });

  it('knows the assigned operator, and not an operator of another site with the same id', () => {
    expect(isAssignedOperator(assigned, chat)).toBe(true);
    expect(isAssignedOperator(notAssigned, chat)).toBe(false);
    expect(isAssignedOperator(foreignOperator, chat)).toBe(false);
  });

  it('lets operators of the site read any chat (read-only), but a visitor only their own', () => {
    expect(mayReadChat(notAssigned, chat)).toBe(true);
    expect(mayReadChat(foreignOperator, chat)).toBe(false);
    expect(mayReadChat(otherVisitor, chat)).toBe(false);
  });

  it('lets only the visitor, the assigned operator and an admin of the site control the chat', () => {
    expect(mayControlChat(visitor, chat)).toBe(true);
    expect(mayControlChat(assigned, chat, op('op-a', 'operator'))).toBe(true);
    expect(mayControlChat(notAssigned, chat, op('op-b', 'operator'))).toBe(false);
    expect(mayControlChat(notAssigned, chat, op('op-b', 'admin'))).toBe(true);
    expect(mayControlChat(notAssigned, chat, op('op-b', 'admin', 'elsewhere'))).toBe(false);
    expect(mayControlChat(otherVisitor, chat)).toBe(false);
  });
});
