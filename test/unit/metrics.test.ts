/**
 * Structured logs and EMF metrics: the lines a handler writes are JSON, carry the invocation's
 * correlation, never carry visitor text or e-mail, and are valid CloudWatch embedded metric format.
 */
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createConnectionNotifier } from '../../functions/adapters/connection-notifier.js';
import { log } from '../../functions/adapters/log.js';
import { createMetrics, emfFields, METRICS_NAMESPACE } from '../../functions/adapters/metrics.js';
import { observed } from '../../functions/handlers/middleware.js';

type Line = Record<string, unknown>;

/**
 * Checks a parsed line against the EMF specification (CloudWatch_Embedded_Metric_Format_Specification):
 * `_aws` with a millisecond Timestamp and CloudWatchMetrics directives; each directive's Namespace,
 * Dimensions (arrays of at most 30 keys, each a string member of the root) and Metrics (Name and a
 * valid Unit, each Name a number or an array of at most 100 numbers at the root). Returns the problems.
 */
function emfProblems(doc: Line): string[] {
  const problems: string[] = [];
  const aws = doc._aws as Record<string, unknown> | undefined;
  if (!aws || typeof aws !== 'object') return ['no _aws object'];
  if (typeof aws.Timestamp !== 'number' || !Number.isInteger(aws.Timestamp) || aws.Timestamp < 1e12)
    problems.push('Timestamp must be epoch milliseconds');
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives) || directives.length === 0) return [...problems, 'no CloudWatchMetrics'];
  const units = new Set(['Count', 'Milliseconds', 'Seconds', 'Bytes', 'None']);
  for (const d of directives as Record<string, unknown>[]) {
    if (typeof d.Namespace !== 'string' || d.Namespace.length === 0) problems.push('Namespace');
    if (!Array.isArray(d.Dimensions)) problems.push('Dimensions must be an array');
    for (const set of (d.Dimensions as unknown[]) ?? []) {
      if (!Array.isArray(set) || set.length > 30) problems.push('a dimension set must be an array of ≤ 30');
      for (const key of (set as unknown[]) ?? []) {
        if (typeof key !== 'string' || typeof doc[key] !== 'string') problems.push(`dimension ${String(key)}`);
      }
    }
    if (!Array.isArray(d.Metrics) || d.Metrics.length === 0 || d.Metrics.length > 100) problems.push('Metrics');
    for (const m of (d.Metrics as Record<string, unknown>[]) ?? []) {
      if (typeof m.Name !== 'string' || !m.Name) problems.push('metric Name');
      if (m.Unit !== undefined && !units.has(String(m.Unit))) problems.push(`Unit ${String(m.Unit)}`);
      const v = doc[String(m.Name)];
      const ok =
        typeof v === 'number' ||
        (Array.isArray(v) && v.length <= 100 && v.every((x) => typeof x === 'number' && Number.isFinite(x)));
      if (!ok) problems.push(`value of ${String(m.Name)}`);
    }
  }
  return problems;
}

let out: string[];
beforeEach(() => {
  out = [];
  vi.stubEnv('PARLEY_LOG', 'info');
  const capture = (chunk: unknown) => {
    out.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture as typeof process.stdout.write);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture as typeof process.stderr.write);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** Every captured line, parsed: each must be one JSON object on one line. */
function lines(): Line[] {
  return out
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
}

describe('emfFields', () => {
  it('makes a valid EMF document in the Parley namespace with the site dimension', () => {
    const doc = {
      msg: 'x',
      ...emfFields(
        'demo',
        [
          { name: 'ChatsAccepted', unit: 'Count', values: [1] },
          { name: 'QueueWait', unit: 'Milliseconds', values: [1200, 300] },
        ],
        Date.now(),
      ),
    };
    const parsed = JSON.parse(JSON.stringify(doc)) as Line;
    expect(emfProblems(parsed)).toEqual([]);
    expect(parsed.site).toBe('demo');
    expect(parsed.ChatsAccepted).toBe(1);
    expect(parsed.QueueWait).toEqual([1200, 300]);
    const directive = (parsed._aws as { CloudWatchMetrics: Record<string, unknown>[] }).CloudWatchMetrics[0]!;
    expect(directive.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive.Dimensions).toEqual([['site']]);
  });

  it('without a site, uses an empty dimension set (one aggregate metric) and stays valid', () => {
    const doc = JSON.parse(
      JSON.stringify(emfFields(undefined, [{ name: 'DeliveryFailures', unit: 'Count', values: [1, 1] }], Date.now())),
    ) as Line;
    expect(emfProblems(doc)).toEqual([]);
    expect((doc._aws as { CloudWatchMetrics: { Dimensions: unknown }[] }).CloudWatchMetrics[0]!.Dimensions).toEqual([
      [],
    ]);
    expect(doc.site).toBeUndefined();
  });

  it('the validator itself rejects documents that break the specification', () => {
    expect(emfProblems({ msg: 'plain' })).toEqual(['no _aws object']);
    const bad = { ...emfFields('demo', [{ name: 'ChatsMissed', unit: 'Count', values: [1] }], Date.now()) } as Line;
    delete bad.site;
    bad.ChatsMissed = 'one';
    expect(emfProblems(bad)).toEqual(['dimension site', 'value of ChatsMissed']);
  });
});

describe('observed handlers', () => {
  it('write one JSON summary line per invocation carrying route, request ids, connection, site and chat, with the metrics as EMF', async () => {
    const telemetry = createMetrics();
    const handler = observed('accept', async (_event: unknown) => {
      telemetry.correlate({ chatId: 'chat-1' });
      log.info('accepting');
      telemetry.count('ChatsAccepted', 'demo');
      telemetry.timing('QueueWait', 4200, 'demo');
      return 'ok';
    });
    const result = await handler(
      { requestContext: { connectionId: 'conn-1', requestId: 'api-1', authorizer: { siteId: 'demo' } } },
      { awsRequestId: 'lambda-1' },
    );
    expect(result).toBe('ok');
    const [info, done] = lines();
    const correlation = {
      route: 'accept',
      requestId: 'lambda-1',
      apiRequestId: 'api-1',
      connectionId: 'conn-1',
      siteId: 'demo',
      chatId: 'chat-1',
    };
    expect(info).toMatchObject({ level: 'info', msg: 'accepting', ...correlation });
    expect(done).toMatchObject({ level: 'info', msg: 'done', outcome: 'ok', ...correlation });
    expect(typeof done!.durationMs).toBe('number');
    expect(emfProblems(done!)).toEqual([]);
    expect(done).toMatchObject({ site: 'demo', ChatsAccepted: 1, QueueWait: 4200 });
    expect(lines()).toHaveLength(2);
  });

  it('keep concurrent invocations apart (each line carries its own chat)', async () => {
    const telemetry = createMetrics();
    const handler = observed('chat-message', async (event: { chatId: string; wait: number }) => {
      telemetry.correlate({ chatId: event.chatId });
      await new Promise((r) => setTimeout(r, event.wait));
      log.info('sent');
      telemetry.timing('MessageLatency', event.wait, 'demo');
    });
    await Promise.all([handler({ chatId: 'A', wait: 30 }), handler({ chatId: 'B', wait: 5 })]);
    const sent = lines().filter((l) => l.msg === 'sent');
    expect(sent.map((l) => l.chatId).sort()).toEqual(['A', 'B']);
    const done = lines().filter((l) => l.msg === 'done');
    expect(done.map((l) => [l.chatId, l.MessageLatency]).sort()).toEqual([
      ['A', 30],
      ['B', 5],
    ]);
  });

  it('write a routine success with no metric at DEBUG only: nothing at the INFO level Lambda keeps', async () => {
    await observed('page-view', async (_e: unknown) => 1)({ requestContext: { requestId: 'q1' } });
    expect(lines()).toEqual([]);
    vi.stubEnv('PARLEY_LOG', 'debug');
    await observed('page-view', async (_e: unknown) => 1)({ requestContext: { requestId: 'q2' } });
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'debug', msg: 'done', outcome: 'ok', apiRequestId: 'q2' }),
    ]);
  });

  it('take the HTTP API route key and the chat from the path; EventBridge events give their chat', async () => {
    vi.stubEnv('PARLEY_LOG', 'debug');
    await observed(
      'http-api',
      async (_e: unknown) => 1,
    )({
      routeKey: 'GET /api/chats/{chatId}/messages',
      pathParameters: { chatId: 'chat-9' },
      requestContext: { requestId: 'h1' },
    });
    await observed(
      'mail',
      async (_e: unknown) => 1,
    )({ 'detail-type': 'transcript.requested', detail: { chatId: 'c7' } });
    const [http, mail] = lines();
    expect(http).toMatchObject({ route: 'GET /api/chats/{chatId}/messages', chatId: 'chat-9', apiRequestId: 'h1' });
    expect(mail).toMatchObject({ route: 'mail', chatId: 'c7' });
  });

  it('log a failure with its stack, still write the summary, and rethrow for Lambda', async () => {
    const handler = observed('mail', async (_e: unknown) => {
      throw new Error('SES said no');
    });
    await expect(handler({})).rejects.toThrow('SES said no');
    const [error, done] = lines();
    expect(error).toMatchObject({ level: 'error', msg: 'invocation failed', route: 'mail' });
    expect(String(error!.error)).toContain('SES said no');
    expect(done).toMatchObject({ msg: 'done', outcome: 'error' });
  });

  it('group metrics of several sites into one EMF line per site', async () => {
    const telemetry = createMetrics();
    await observed('visitor-stream', async (_e: unknown) => {
      telemetry.count('ChatsRequested', 'a');
      telemetry.count('ChatsRequested', 'b');
      telemetry.count('ChatsRequested', 'a');
      telemetry.count('DeliveryFailures', undefined, { error: 'GoneException' });
    })({});
    const all = lines();
    expect(all).toHaveLength(3);
    for (const l of all) expect(emfProblems(l)).toEqual([]);
    expect(all[0]).toMatchObject({ msg: 'done', site: 'a', ChatsRequested: [1, 1] });
    expect(all[1]).toMatchObject({ msg: 'metrics', site: 'b', ChatsRequested: 1 });
    expect(all[2]).toMatchObject({ msg: 'metrics', DeliveryFailures: 1, details: [{ error: 'GoneException' }] });
  });
});

describe('privacy', () => {
  it('never writes visitor text, typing previews, e-mail addresses or names, whoever passes them', () => {
    log.info('oops', {
      text: 'my card is 4111',
      preview: 'my card',
      email: 'v@example.com',
      name: 'Vera',
      visitorName: 'Vera',
      chatId: 'c1',
    });
    const [line] = lines();
    expect(line).toMatchObject({ msg: 'oops', chatId: 'c1' });
    expect(out.join('')).not.toMatch(/4111|my card|example\.com|Vera/);
  });

  it('PARLEY_LOG=warn writes warnings and errors only (no summaries, no metrics)', () => {
    vi.stubEnv('PARLEY_LOG', 'warn');
    log.info('routine');
    createMetrics().count('ChatsRequested', 'demo');
    log.warn('odd');
    expect(lines().map((l) => l.msg)).toEqual(['odd']);
  });

  it('PARLEY_LOG=silent writes nothing', () => {
    vi.stubEnv('PARLEY_LOG', 'silent');
    log.error('hidden');
    createMetrics().count('ChatsRequested', 'demo');
    expect(out).toEqual([]);
  });
});

describe('delivery failures', () => {
  it('a PostToConnection that fails (gone or otherwise) counts DeliveryFailures with the error name', async () => {
    const api = mockClient(ApiGatewayManagementApiClient);
    try {
      api
        .on(PostToConnectionCommand, { ConnectionId: 'gone' })
        .rejects(Object.assign(new Error('gone'), { name: 'GoneException' }));
      api
        .on(PostToConnectionCommand, { ConnectionId: 'busy' })
        .rejects(Object.assign(new Error('slow'), { name: 'LimitExceededException' }));
      api.on(PostToConnectionCommand, { ConnectionId: 'ok' }).resolves({});
      const notifier = createConnectionNotifier('https://example.execute-api.local/ws');
      const gone = await observed('typing', async (_e: unknown) =>
        notifier.send(['gone', 'busy', 'ok'], { type: 'queue', queued: 0, active: 0 } as never),
      )({ requestContext: { connectionId: 'me' } });
      expect(gone).toEqual(['gone']);
      const done = lines().find((l) => l.msg === 'done')!;
      expect(emfProblems(done)).toEqual([]);
      expect(done.DeliveryFailures).toEqual([1, 1]);
      expect((done.details as { error: string }[]).map((d) => d.error).sort()).toEqual([
        'GoneException',
        'LimitExceededException',
      ]);
      // The warning names the failed target without overwriting the caller's connection.
      expect(lines().find((l) => l.msg === 'post-to-connection failed')).toMatchObject({
        connectionId: 'me',
        target: 'busy',
      });
    } finally {
      api.restore();
    }
  });
});
