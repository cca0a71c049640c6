/**
 * `npm start -- --data DIR`: stopping and starting the local runtime (a new process, as a user
 * would) keeps every stored message, the visitor's identity and the operators' sign-in, and the
 * report counters of the page views made in the last minute before the stop (their batch was
 * still gathering: stopping delivers it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_OPERATOR, type LocalStack, ROOT } from '../../local/stack.js';
import { api, operatorSession, visitorPage } from '../support/clients.js';

const dataDir = mkdtempSync(join(tmpdir(), 'parley-data-'));
let child: ChildProcess | undefined;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** `npm start -- --data DIR` in its own process; resolves once it prints its URLs. */
async function start(port: number): Promise<Pick<LocalStack, 'url' | 'wsUrl' | 'siteId' | 'demoOperator'>> {
  child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'local', 'start.ts'), '--data', dataDir, '--port', String(port)],
    {
      cwd: ROOT,
      env: { ...process.env, PARLEY_LOG: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child!.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Parley is running')) resolve();
    });
    child!.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${out}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return { url, wsUrl: `ws://127.0.0.1:${port}/ws`, siteId: 'demo', demoOperator: DEMO_OPERATOR };
}

async function stop(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child!.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('data on disk', () => {
  it('keeps the chat, its messages, the visitor, the operator and the last minute of report counts across a restart', async () => {
    const port = await freePort();
    let stack = (await start(port)) as LocalStack;
    const op = await operatorSession(stack, stack.demoOperator);
    const page = await visitorPage(stack);
    const queued = await page.ws.request({ action: 'chat-request', name: 'Persistent Pat' });
    const chatId = String((queued.chat as { chatId: string }).chatId);
    await op.ws.request({ action: 'accept', chatId });
    const sent = await page.ws.request({ action: 'chat-message', chatId, text: 'remember me', clientMsgId: 'keep-1' });
    await stop();

    stack = (await start(port)) as LocalStack;
    const again = await visitorPage(stack, { vt: String(page.welcome.visitorToken) });
    expect(again.welcome.visitorId).toBe(page.welcome.visitorId);
    const chat = again.welcome.chat as { chatId: string; messages: { id: string; text: string }[] };
    expect(chat.chatId).toBe(chatId);
    expect(chat.messages.map((m) => m.id)).toContain(sent.id);
    // The demo operator still signs in, still holds the chat, and resyncs it by seq.
    const back = await operatorSession(stack, stack.demoOperator);
    // The first page view was counted although its report batch had not come when it stopped.
    const today = new Date().toISOString().slice(0, 10);
    const report = await api<{ pages: { url: string; views: number }[] }>(
      stack,
      back.idToken,
      'GET',
      `/api/reports?from=${today}&to=${today}`,
    );
    expect(report.body.pages.find((p) => p.url === 'https://shop.example/')?.views).toBeGreaterThanOrEqual(1);
    const synced = await back.ws.request({ action: 'sync', chatId, afterSeq: 0 });
    const replayed = synced.messages as { id: string; seq: number; text: string }[];
    expect(replayed.map((m) => m.id)).toContain(sent.id);
    expect(replayed.map((m) => m.seq)).toEqual(replayed.map((_, i) => i + 1));
    const reply = await back.ws.request({
      action: 'chat-message',
      chatId,
      text: 'welcome back',
      clientMsgId: 'keep-2',
    });
    expect(reply).toMatchObject({ type: 'message', text: 'welcome back' });
    await again.ws.next((f) => f.type === 'message' && f.id === reply.id);
    await again.ws.close();
    await back.ws.close();
  }, 60_000);
});
