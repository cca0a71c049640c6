/**
 * Stands in for `@aws-sdk/credential-provider-node` inside the Lambda bundles only (an esbuild
 * alias in lib/lambda-bundling.ts; tests and the local runtime run the real chain unbundled).
 * Lambda gives a function its role's credentials in the environment, so the default chain's SSO,
 * ini-file, process, web-identity, container and instance-metadata providers, with the STS/SSO
 * clients and XML protocol they pull in, are dead weight there: about half of every bundle and a
 * good share of its init time.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** What the SDK clients call for their default credentials: the environment, nothing else. */
export function defaultProvider(init: Parameters<typeof fromEnv>[0] = {}): ReturnType<typeof fromEnv> {
  return fromEnv(init);
}

/** The package it replaces exports these too (same rules: refresh five minutes before expiry). */
export const credentialsWillNeedRefresh = (c?: { expiration?: Date }) => c?.expiration !== undefined;
export const credentialsTreatedAsExpired = (c?: { expiration?: Date }) =>
  c?.expiration !== undefined && c.expiration.getTime() - Date.now() < 300_000;
