/** Status changes are versioned, so a console can order broadcasts that arrive out of order. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { operatorSession, type WsClient } from '../support/clients.js';

let stack: LocalStack;
let dana: { ws: WsClient; welcome: Record<string, unknown> };

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
  dana = await operatorSession(stack, stack.demoOperator, { online: false });
}, 60_000);
afterAll(async () => {
  await dana?.ws.close();
  await stack?.stop();
});

describe('operator status', () => {
  it('acknowledges each change with a higher version, and broadcasts that version', async () => {
    const first = await dana.ws.request({ action: 'set-status', status: 'online' });
    const second = await dana.ws.request({ action: 'set-status', status: 'away' });
    expect(first).toMatchObject({ type: 'ack', action: 'set-status' });
    expect(Number(second.statusVersion)).toBe(Number(first.statusVersion) + 1);
    const id = String((dana.welcome.operator as { id: string }).id);
    const broadcast = await dana.ws.next((f) => {
      if (f.type !== 'operators') return false;
      const me = (f.operators as { id: string; statusVersion?: number }[]).find((o) => o.id === id);
      return me?.statusVersion === second.statusVersion;
    });
    expect((broadcast.operators as { id: string; status: string }[]).find((o) => o.id === id)?.status).toBe('away');
    // A new console learns the current version in its welcome.
    const again = await operatorSession(stack, stack.demoOperator, { online: false });
    expect((again.welcome.operator as { statusVersion?: number }).statusVersion).toBe(second.statusVersion);
    await again.ws.close();
  });
});
