/**
 * Counts the requests an AWS SDK v3 client sends, by command name, with a middleware on the real
 * client. The benchmark uses it to measure DynamoDB requests per chat message (never estimated).
 */
/** Any SDK v3 client (its middleware stack is typed per service; only `add` matters here). */
interface MiddlewareClient {
  middlewareStack: { add(middleware: never, options: { step: 'initialize'; name: string }): void };
}

type Middleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: unknown) => Promise<unknown>;

export class RequestCounter {
  readonly counts = new Map<string, number>();

  attach(client: MiddlewareClient, prefix = ''): this {
    const count: Middleware = (next, context) => async (args) => {
      const name = `${prefix}${context.commandName ?? 'unknown'}`;
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
      return next(args);
    };
    client.middlewareStack.add(count as never, { step: 'initialize', name: `parleyRequestCounter${prefix}` });
    return this;
  }

  total(filter: (name: string) => boolean = () => true): number {
    let n = 0;
    for (const [name, count] of this.counts) if (filter(name)) n += count;
    return n;
  }

  reset(): void {
    this.counts.clear();
  }
}
