/** SES stand-in: aws-ses-v2-local, whose page at its own port shows every mail sent. */

import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

// CommonJS with an `exports.default`: taken through require so tsx, vitest and tsc agree.
const sesServer: (c: { host: string; port: number }) => Promise<Server> = createRequire(import.meta.url)(
  'aws-ses-v2-local',
).default;

export interface LocalSes {
  url: string;
  stop(): Promise<void>;
}

export async function startSes(): Promise<LocalSes> {
  const server = await sesServer({ host: '127.0.0.1', port: 0 });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
