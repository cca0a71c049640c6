/**
 * Hostile input for the route fuzzer: arbitrary JSON and near-valid frames (a valid frame with one
 * field mutated), rendered as the raw JSON text a client would send — so values JSON.stringify
 * cannot produce (1e309, -0, 5000-deep nesting, own `__proto__` keys) reach the handlers too.
 * Also: invoking a real handler with a synthetic API Gateway event, and counting the DynamoDB
 * writes it makes (attributed to the invocation, so background work never counts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';

/** A value already rendered as JSON text (or deliberately not JSON). */
export class Raw {
  constructor(readonly text: string) {}
}

export function render(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(render).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .map((k) => `${JSON.stringify(k)}:${render((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const nested = (depth: number, open: string, close: string) => new Raw(open.repeat(depth) + close.repeat(depth));

/** Values that break naive code: wrong types, sizes, unicode, odd numbers, pollution, nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 2 ** 53 + 2, '', ' ', '\t\n', [], {}, [[]], [null]),
  fc.constantFrom(
    '\u0000',
    '\u0007bell',
    '\uD800',
    '\uDFFF\uD800',
    '\u202Egnp.exe',
    '\u200B',
    '𝕏𝕏𝕏',
    '👩‍👩‍👧‍👦',
    'é'.normalize('NFD'),
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    'javascript:alert(1)',
    '../../etc/passwd',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, literally
    '${7*7}',
    'CHAT#x',
    'a@b',
    'https://',
    'http://[::1',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constantFrom(
    new Raw('1e309'),
    new Raw('-1e309'),
    new Raw('-0'),
    new Raw('1e-400'),
    new Raw('123456789012345678901234567890'),
    new Raw('NaN'),
    new Raw('undefined'),
  ),
  fc.constantFrom(65, 81, 257, 2049, 4001, 20_000, 40_000).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 20, max: 5000 }).map((d) => nested(d, '[', ']')),
  fc.integer({ min: 20, max: 2000 }).map((d) => nested(d, '{"a":', '}')),
  fc.constantFrom(
    new Raw('{"__proto__":{"polluted":"yes"}}'),
    new Raw('{"constructor":{"prototype":{"polluted":"yes"}}}'),
    new Raw('{"__proto__":null}'),
    new Raw('{"toString":"x","valueOf":1,"hasOwnProperty":null}'),
  ),
  fc
    .array(fc.string({ maxLength: 5 }), { minLength: 21, maxLength: 60 })
    .map((keys) => Object.fromEntries(keys.map((k, i) => [`${k}${i}`, 'v'])) as unknown),
  fc.jsonValue({ maxDepth: 3 }),
);

const pollutingKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf');

/** One field of `base` replaced by a hostile value, removed, or a hostile key added (maybe one level down). */
export function nearValid(base: Record<string, unknown>): fc.Arbitrary<string> {
  const keys = Object.keys(base).filter((k) => k !== 'action');
  const nestedKeys = keys.filter((k) => base[k] && typeof base[k] === 'object' && !Array.isArray(base[k]));
  const key = fc.oneof(
    { weight: 6, arbitrary: keys.length ? fc.constantFrom(...keys) : fc.constant('reqId') },
    { weight: 1, arbitrary: fc.constant('action') },
    { weight: 1, arbitrary: fc.constant('reqId') },
    { weight: 2, arbitrary: pollutingKey },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  );
  const flat = fc.tuple(key, hostileValue, fc.nat({ max: 9 })).map(([k, v, del]) => {
    const out: Record<string, unknown> = Object.create(null);
    for (const [bk, bv] of Object.entries(base)) out[bk] = bv;
    if (del === 0) delete out[k];
    else out[k] = v;
    return render(out);
  });
  if (!nestedKeys.length) return flat;
  const deep = fc
    .tuple(fc.constantFrom(...nestedKeys), fc.oneof(pollutingKey, fc.string({ maxLength: 10 })), hostileValue)
    .map(([k, sub, v]) => {
      const inner: Record<string, unknown> = Object.create(null);
      for (const [ik, iv] of Object.entries(base[k] as Record<string, unknown>)) inner[ik] = iv;
      inner[sub] = v;
      const out: Record<string, unknown> = Object.create(null);
      for (const [bk, bv] of Object.entries(base)) out[bk] = bk === k ? inner : bv;
      return render(out);
    });
  return fc.oneof({ weight: 4, arbitrary: flat }, { weight: 1, arbitrary: deep });
}

/** Anything at all: JSON of any shape, objects naming the action with random fields, non-JSON text. */
export function arbitraryFrame(action: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc
      .dictionary(fc.oneof(fc.string({ maxLength: 12 }), pollutingKey), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 })
      .map((o) => render({ ...o, action })),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );
}

/** Both kinds, half and half. */
export function hostileFrame(action: string, base: Record<string, unknown>): fc.Arbitrary<string> {
  return fc.oneof(arbitraryFrame(action), nearValid(base));
}

/** JSON.parse that never throws. */
export function tryParse(text: string | undefined): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text ?? '') };
  } catch {
    return { ok: false };
  }
}

// ---------- counting a handler's writes ----------

const WRITE = /^(Put|Update|Delete|BatchWrite|TransactWrite)(Item)?Command$/;
const invocation = new AsyncLocalStorage<{ writes: string[] }>();

interface MiddlewareClient {
  middlewareStack: { add(middleware: never, options: { step: 'initialize'; name: string }): void };
}

/** Records every successful write sent while a `counted(...)` invocation runs (failed conditions change nothing). */
export function countWrites(client: MiddlewareClient): void {
  const mw = (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
    const out = await next(args);
    const scope = invocation.getStore();
    if (scope && WRITE.test(context.commandName ?? '')) scope.writes.push(context.commandName!);
    return out;
  };
  client.middlewareStack.add(mw as never, { step: 'initialize', name: 'fuzzWriteCounter' });
}

/** Runs `fn` and returns its result with the writes it made. */
export async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; writes: string[] }> {
  const scope = { writes: [] as string[] };
  const result = await invocation.run(scope, fn);
  return { result, writes: scope.writes };
}

/** A WebSocket MESSAGE event as API Gateway sends it, on a real connection with its authorizer context. */
export function wsEvent(routeKey: string, connectionId: string, authorizer: Record<string, unknown>, body: string) {
  return {
    body,
    isBase64Encoded: false,
    requestContext: {
      routeKey,
      eventType: 'MESSAGE',
      connectionId,
      connectedAt: Date.now(),
      requestTimeEpoch: Date.now(),
      messageId: randomBytes(6).toString('base64url'),
      domainName: '127.0.0.1',
      stage: 'ws',
      apiId: 'local',
      requestId: randomBytes(8).toString('hex'),
      identity: { sourceIp: '127.0.0.1', userAgent: 'fuzz' },
      authorizer,
    },
  };
}

/** An HTTP API (payload 2.0) event past the JWT authorizer, with the operator's claims. */
export function httpEvent(
  method: string,
  path: string,
  claims: Record<string, unknown>,
  input: { pathParameters?: Record<string, string>; query?: Record<string, string>; body?: string },
) {
  const encode = (v: string) => {
    try {
      return encodeURIComponent(v);
    } catch {
      return v; // a lone surrogate has no URI form; the handler sees pathParameters anyway
    }
  };
  const rawPath = path.replace(/\{(\w+)\}/g, (_, p: string) => encode(input.pathParameters?.[p] ?? ''));
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath,
    rawQueryString: new URLSearchParams(input.query ?? {}).toString(),
    headers: { 'content-type': 'application/json' },
    queryStringParameters: input.query && Object.keys(input.query).length ? input.query : undefined,
    pathParameters: input.pathParameters && Object.keys(input.pathParameters).length ? input.pathParameters : undefined,
    body: input.body,
    isBase64Encoded: false,
    requestContext: {
      routeKey: `${method} ${path}`,
      http: { method, path: rawPath, sourceIp: '127.0.0.1', userAgent: 'fuzz' },
      authorizer: { jwt: { claims, scopes: null } },
      requestId: randomBytes(8).toString('hex'),
      timeEpoch: Date.now(),
      stage: '$default',
    },
  };
}

export const lambdaContext = {
  functionName: 'fuzz',
  awsRequestId: 'fuzz',
  getRemainingTimeInMillis: () => 30_000,
  callbackWaitsForEmptyEventLoop: false,
};
