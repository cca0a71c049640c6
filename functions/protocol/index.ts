export * from './events.js';
export { LIMITS } from './limits.js';
export type { OperatorStatus } from './schemas.js';
