/**
 * Cognito stand-in: cognito-local in this process, with its data in a folder of ours, a user pool,
 * an app client for USER_PASSWORD_AUTH, the admin/operator groups, and a helper to create operators.
 * It serves a JWKS over http and does not refuse disabled users: Parley verifies tokens with jose
 * against that JWKS and keeps operator status in its own table, as in AWS.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';

const require = createRequire(import.meta.url);

export interface LocalCognito {
  url: string;
  userPoolId: string;
  clientId: string;
  issuer: string;
  jwksUrl: string;
  createUser(u: {
    email: string;
    password: string;
    name: string;
    role: 'admin' | 'operator';
    temporary?: boolean;
  }): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function startCognito(dir: string): Promise<LocalCognito> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(join(dir, 'db'), { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ TokenConfig: { IssuerDomain: url }, ServerConfig: { port, hostname: '127.0.0.1' } }),
  );

  // createDefaultServer() insists on ./.cognito; this is the same wiring with our folder.
  const lib = (p: string) => require(`cognito-local/lib/${p}`);
  const pino = require('pino');
  const logger = pino({ level: process.env.PARLEY_LOG === 'debug' ? 'debug' : 'silent' });
  const services = lib('services');
  const { StormDBDataStoreFactory } = lib('services/dataStore/stormDb');
  const config = await lib('server/config').loadConfig({ logger }, new StormDBDataStoreFactory(dir));
  const clock = new services.DateClock();
  const dataStoreFactory = new StormDBDataStoreFactory(join(dir, 'db'));
  const cognitoClient = await new (lib('services/cognitoService').CognitoServiceFactoryImpl)(
    join(dir, 'db'),
    dataStoreFactory,
    new (lib('services/userPoolService').UserPoolServiceFactoryImpl)(clock, dataStoreFactory),
  ).create({ logger }, config.UserPoolDefaults);
  const noLambda = { invoke: async () => ({}) };
  const triggers = new services.TriggersService(
    clock,
    cognitoClient,
    new services.LambdaService({}, noLambda),
    new (lib('services/crypto').CryptoService)(config.KMSConfig),
  );
  const allServices = {
    clock,
    cognito: cognitoClient,
    config,
    messages: new services.MessagesService(
      triggers,
      new (lib('services/messageDelivery/messageDelivery').MessageDeliveryService)(
        new (lib('services/messageDelivery/consoleMessageSender').ConsoleMessageSender)(),
      ),
    ),
    otp: lib('services/otp').otp,
    tokenGenerator: new (lib('services/tokenGenerator').JwtTokenGenerator)(clock, triggers, config.TokenConfig),
    triggers,
  };
  const server = lib('server/server').createServer(
    lib('server/Router').Router(allServices),
    logger,
    config.ServerConfig,
    allServices,
  );
  const http = await server.start();

  const admin = new CognitoIdentityProviderClient({
    endpoint: url,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // Reuse the pool and client kept on disk by an earlier run.
  const pools = await admin.send(new ListUserPoolsCommand({ MaxResults: 10 }));
  let userPoolId = pools.UserPools?.find((p) => p.Name === 'parley')?.Id;
  let clientId: string | undefined;
  if (!userPoolId) {
    const pool = await admin.send(new CreateUserPoolCommand({ PoolName: 'parley', UsernameAttributes: ['email'] }));
    userPoolId = pool.UserPool!.Id!;
    for (const GroupName of ['admin', 'operator']) {
      await admin.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName }));
    }
  } else {
    const clients = await admin.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 10 }));
    clientId = clients.UserPoolClients?.find((c) => c.ClientName === 'console')?.ClientId;
  }
  if (!clientId) {
    const client = await admin.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'console',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    clientId = client.UserPoolClient!.ClientId!;
  }
  const poolId = userPoolId;

  return {
    url,
    userPoolId: poolId,
    clientId,
    issuer: `${url}/${poolId}`,
    jwksUrl: `${url}/${poolId}/.well-known/jwks.json`,
    async createUser(u) {
      try {
        const existing = await admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: u.email }));
        return existing.UserAttributes?.find((a) => a.Name === 'sub')?.Value ?? '';
      } catch {
        // not there yet
      }
      const created = await admin.send(
        new AdminCreateUserCommand({
          UserPoolId: poolId,
          Username: u.email,
          TemporaryPassword: u.password,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: u.email },
            { Name: 'email_verified', Value: 'true' },
            { Name: 'name', Value: u.name },
          ],
        }),
      );
      if (!u.temporary) {
        await admin.send(
          new AdminSetUserPasswordCommand({
            UserPoolId: poolId,
            Username: u.email,
            Password: u.password,
            Permanent: true,
          }),
        );
      }
      await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: u.email, GroupName: u.role }));
      return created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value ?? '';
    },
    async stop() {
      admin.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
