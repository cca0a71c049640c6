import type { Enrichment, Identity } from './types.js';

/** The caller of a WebSocket action: who, on which connection, and the reqId to echo. */
export interface Caller {
  identity: Identity;
  connectionId: string;
  reqId?: string;
  /** When API Gateway received the frame (epoch ms): message latency is measured from it. */
  receivedAt?: number;
  /** When API Gateway accepted the socket (with the id, the socket's `connIds` element). */
  connectedAt?: number;
  /** What the `$connect` request told about a visitor, carried by the authorizer's context. */
  enrichment?: Enrichment;
}

export function withReqId<T extends object>(frame: T, reqId: string | undefined): T & { reqId?: string } {
  return reqId === undefined ? frame : { ...frame, reqId };
}
