/**
 * `npm start`: the whole product on this machine. `PORT` moves it (default 3000);
 * `npm start -- --data .parley-data` keeps the data on disk across restarts.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, startLocalStack } from './stack.js';

const { values } = parseArgs({
  options: { data: { type: 'string' }, port: { type: 'string' }, geoip: { type: 'string', multiple: true } },
  allowPositionals: true,
});
const port = Number(values.port ?? process.env.PORT ?? 3000);

if (
  !existsSync(join(ROOT, 'dist', 'widget', 'parley.js')) ||
  !existsSync(join(ROOT, 'dist', 'console', 'index.html'))
) {
  console.log('Building the widget and the console first…');
  const { execSync } = await import('node:child_process');
  execSync('npm run build', { cwd: ROOT, stdio: 'inherit' });
}

const stack = await startLocalStack({
  port,
  ...(values.data ? { dataDir: values.data } : {}),
  ...(values.geoip?.length ? { geoip: values.geoip } : {}),
});
const line = (label: string, value: string) => console.log(`  ${label.padEnd(22)} ${value}`);
console.log('\nParley is running locally.\n');
line('Demo website', `${stack.url}/`);
line('Operator console', `${stack.url}/console/`);
line('  sign in as', `${stack.demoOperator.email} / ${stack.demoOperator.password}`);
line('Widget loader', `${stack.url}/widget/parley.js`);
line('WebSocket API', stack.wsUrl);
line('HTTP API', `${stack.url}/api/`);
line('Sent mail (SES)', `${stack.sesUrl}/`);
line('Cognito stand-in', stack.cognitoUrl);
line('DynamoDB (dynalite)', stack.dynamoEndpoint);
line(
  'Visitor geo',
  values.geoip?.length
    ? `MaxMind: ${values.geoip.join(', ')}`
    : 'labelled local values (npm start -- --geoip GeoLite2-City.mmdb)',
);
line('Data', values.data ? `on disk in ${values.data}` : 'in memory (npm start -- --data .parley-data keeps it)');
console.log('\nEmbed on a page:');
console.log(`  <script async src="${stack.url}/widget/parley.js" data-site="${stack.siteId}"></script>\n`);
console.log('Press Ctrl+C to stop.');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
