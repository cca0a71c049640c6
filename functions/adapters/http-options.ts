/**
 * HTTP options shared by Parley's SDK clients. A Lambda instance runs one invocation at a time, so
 * the SDK's default of 50 sockets per client only bounds a fan-out of posts, and stays. The local
 * runtime runs every "instance" in one process with one client each, where 50 sockets queue
 * requests of unrelated invocations behind each other: it raises the cap with
 * PARLEY_HTTP_MAX_SOCKETS (local/stack.ts).
 */
export function sdkHttpOptions(): { requestHandler?: { httpAgent: object; httpsAgent: object } } {
  const max = Number(process.env.PARLEY_HTTP_MAX_SOCKETS);
  if (!Number.isInteger(max) || max <= 0) return {};
  return { requestHandler: { httpAgent: { maxSockets: max }, httpsAgent: { maxSockets: max } } };
}
