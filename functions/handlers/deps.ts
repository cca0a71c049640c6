/**
 * Wires the core to its adapters once per Lambda instance (cold start). Tests and the local
 * runtime reach the same wiring through the same environment.
 */
import { monotonicFactory } from 'ulid';
import { config } from '../adapters/config.js';
import { createConnectionNotifier } from '../adapters/connection-notifier.js';
import { documentClient } from '../adapters/dynamo-client.js';
import { createDynamoOfflineStore } from '../adapters/dynamo-offline-store.js';
import { createDynamoStore } from '../adapters/dynamo-store.js';
import { metrics } from '../adapters/metrics.js';
import type { EventPublisher, OneTimeScheduler } from '../core/async-ports.js';
import type { Clock, Deps, VisitorTokens } from '../core/ports.js';

const systemClock: Clock = { now: () => Date.now() };
const ulid = monotonicFactory();

const noTokens: VisitorTokens = {
  sign() {
    throw new Error('this function has no access to the visitor token secret');
  },
  verify() {
    throw new Error('this function has no access to the visitor token secret');
  },
};

let base: Omit<Deps, 'tokens'> | undefined;
/** Token signing is supplied only by the functions that need it (page-view, the authorizer). */
export type TokenProvider = () => Promise<VisitorTokens>;

/**
 * What a function needs beyond the store and the notifier, supplied by the handler file so that
 * only the functions that publish events or create schedules bundle those clients.
 */
export interface DepsOptions {
  tokens?: TokenProvider;
  events?: () => EventPublisher;
  scheduler?: () => OneTimeScheduler;
}

export async function loadDeps(options: DepsOptions = {}): Promise<Deps> {
  if (!base) {
    const cfg = config();
    base = {
      store: createDynamoStore(documentClient(), cfg.tableName, systemClock),
      offline: createDynamoOfflineStore(documentClient(), cfg.tableName),
      notifier: createConnectionNotifier(cfg.wsCallbackUrl),
      clock: systemClock,
      ids: { next: () => ulid() },
      telemetry: metrics,
    };
  }
  return {
    ...base,
    tokens: options.tokens ? await options.tokens() : noTokens,
    ...(options.events ? { events: options.events() } : {}),
    ...(options.scheduler ? { scheduler: options.scheduler() } : {}),
  };
}
