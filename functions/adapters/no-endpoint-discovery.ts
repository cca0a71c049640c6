/**
 * Stands in for `@aws-sdk/middleware-endpoint-discovery` inside the Lambda bundles only (an
 * esbuild alias in lib/lambda-bundling.ts). DynamoDB's endpoint discovery is off unless a client or
 * AWS_ENABLE_ENDPOINT_DISCOVERY turns it on, and Parley never does; the real package brings an LRU
 * cache library along. Here discovery is simply never enabled.
 */
export const NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS = {
  environmentVariableSelector: (): undefined => undefined,
  configFileSelector: (): undefined => undefined,
  default: undefined,
};

export function resolveEndpointDiscoveryConfig<T extends object>(input: T, _options: unknown) {
  return Object.assign(input, {
    endpointDiscoveryEnabled: () => Promise.resolve(false),
    isClientEndpointDiscoveryEnabled: false,
  });
}

const noPlugin = () => ({ applyToStack: () => {} });
export const getEndpointDiscoveryPlugin = noPlugin;
export const getEndpointDiscoveryRequiredPlugin = noPlugin;
export const getEndpointDiscoveryOptionalPlugin = noPlugin;
export const endpointDiscoveryMiddlewareOptions = {
  name: 'endpointDiscoveryMiddleware',
  step: 'build',
  tags: ['ENDPOINT_DISCOVERY'],
  override: true,
};
