import type { Identity } from './types.js';

/** The caller of a WebSocket action: who, on which connection, and the reqId to echo. */
export interface Caller {
  identity: Identity;
  connectionId: string;
  reqId?: string;
  /** When API Gateway received the frame (epoch ms): message latency is measured from it. */
  receivedAt?: number;
}

export function withReqId<T extends object>(frame: T, reqId: string | undefined): T & { reqId?: string } {
  return reqId === undefined ? frame : { ...frame, reqId };
}
