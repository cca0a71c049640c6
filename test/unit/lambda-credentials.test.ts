/**
 * The Lambda bundles' stand-in for the SDK's default credential chain: the environment Lambda
 * sets, and nothing else.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultProvider } from '../../functions/adapters/lambda-credentials.js';

const saved = { ...process.env };
afterEach(() => {
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('lambda credentials', () => {
  it('reads the key, secret and session token Lambda puts in the environment', async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIA1',
      AWS_SECRET_ACCESS_KEY: 's3cret',
      AWS_SESSION_TOKEN: 'tok',
    });
    const creds = await defaultProvider()();
    expect(creds).toMatchObject({ accessKeyId: 'AKIA1', secretAccessKey: 's3cret', sessionToken: 'tok' });
  });

  it('fails with the SDK credentials error when the environment has none (no file, SSO or metadata lookups)', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_SESSION_TOKEN;
    await expect(defaultProvider()()).rejects.toMatchObject({ name: 'CredentialsProviderError' });
  });
});
