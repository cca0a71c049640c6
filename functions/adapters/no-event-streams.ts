/**
 * Stands in for `@smithy/core/event-streams` inside the Lambda bundles only (an esbuild alias in
 * lib/lambda-bundling.ts). The SDK's HTTP protocol imports it with `import()` for operations that
 * stream events (Bedrock, Transcribe, S3 Select); a single-file bundle inlines that import, and no
 * operation Parley calls streams events. Reaching this is a bug, so it says so.
 */
function unsupported(): never {
  throw new Error('event streams are not bundled into Parley functions (lib/lambda-bundling.ts)');
}

export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}

export const eventStreamSerdeProvider = (): never => unsupported();
