/**
 * Counts the requests an AWS SDK v3 client sends, by command name, with a middleware on the real
 * client. The benchmark uses it to measure DynamoDB requests per chat message (never estimated).
 */
/** Any SDK v3 client (its middleware stack is typed per service; only `add` matters here). */
interface MiddlewareClient {
  middlewareStack: {
    add(middleware: never, options: { step: 'initialize'; name: string }): void;
    add(middleware: never, options: { step: 'build'; name: string }): void;
  };
}

type Middleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: unknown) => Promise<unknown>;

/**
 * The request header that names who sent a request (the label of `attach(..., { tagCaller: true })`):
 * the local DynamoDB proxy (local/dynamo-stream.ts) attributes the capacity it measures by it.
 */
export const CALLER_HEADER = 'x-parley-caller';

export class RequestCounter {
  readonly counts = new Map<string, number>();
  /** Requests by the label of whoever sent them (e.g. the Lambda function), when a labeller is given. */
  readonly byLabel = new Map<string, number>();

  constructor(private readonly label?: () => string) {}

  /**
   * Counts the client's requests. `tagCaller` (with a labeller) also names the sender in each
   * request's CALLER_HEADER, so that whatever serves the request can attribute it the same way.
   */
  attach(client: MiddlewareClient, prefix = '', options: { tagCaller?: boolean } = {}): this {
    const count: Middleware = (next, context) => async (args) => {
      const name = `${prefix}${context.commandName ?? 'unknown'}`;
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
      if (this.label) {
        const who = this.label();
        this.byLabel.set(who, (this.byLabel.get(who) ?? 0) + 1);
      }
      return next(args);
    };
    client.middlewareStack.add(count as never, { step: 'initialize', name: `parleyRequestCounter${prefix}` });
    const label = this.label;
    if (options.tagCaller && label) {
      // The build step: the HTTP request exists, and is not signed yet.
      const tag: Middleware = (next) => async (args) => {
        const request = (args as { request?: { headers?: Record<string, string> } }).request;
        if (request?.headers) request.headers[CALLER_HEADER] = label();
        return next(args);
      };
      client.middlewareStack.add(tag as never, { step: 'build', name: `parleyCallerTag${prefix}` });
    }
    return this;
  }

  total(filter: (name: string) => boolean = () => true): number {
    let n = 0;
    for (const [name, count] of this.counts) if (filter(name)) n += count;
    return n;
  }

  labelled(label: string): number {
    return this.byLabel.get(label) ?? 0;
  }

  reset(): void {
    this.counts.clear();
    this.byLabel.clear();
  }
}
