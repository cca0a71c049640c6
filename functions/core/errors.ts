/** Named errors of the core; mapped to protocol `error` frames and HTTP statuses in one place (errorCodeOf). */
import type { ErrorCode } from '../protocol/index.js';

export class ParleyError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadRequestError extends ParleyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad-request', message, options);
  }
}
export class ForbiddenError extends ParleyError {
  constructor(message = 'You may not do that', options?: { cause?: unknown }) {
    super('forbidden', message, options);
  }
}
export class NotFoundError extends ParleyError {
  constructor(message = 'Not found', options?: { cause?: unknown }) {
    super('not-found', message, options);
  }
}
export class AlreadyTakenError extends ParleyError {
  constructor(message = 'Another operator has already accepted this chat') {
    super('already-taken', message);
  }
}
export class ChatEndedError extends ParleyError {
  constructor(message = 'This chat has ended') {
    super('chat-ended', message);
  }
}
export class ConflictError extends ParleyError {
  constructor(message: string) {
    super('conflict', message);
  }
}

export class AtCapacityError extends ParleyError {
  constructor(message = 'You already have as many chats as you may take') {
    super('at-capacity', message);
  }
}
export class RateLimitedError extends ParleyError {
  constructor(message = 'Too many requests; try again later') {
    super('rate-limited', message);
  }
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  'bad-json': 400,
  'bad-request': 400,
  'unknown-action': 400,
  'frame-too-large': 413,
  forbidden: 403,
  'not-found': 404,
  'already-taken': 409,
  'chat-ended': 409,
  conflict: 409,
  'rate-limited': 429,
  'at-capacity': 409,
  internal: 500,
};

/** The one place that turns any thrown value into a protocol error code and message. */
export function describeError(err: unknown): { code: ErrorCode; message: string; status: number } {
  if (err instanceof ParleyError) return { code: err.code, message: err.message, status: HTTP_STATUS[err.code] };
  return { code: 'internal', message: 'Something went wrong on our side', status: 500 };
}

/** A schema's first few issues as one line: `field.path: message; ...`. */
export function summarizeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}
