/** The Cognito user-directory adapter and the connection closer, with the SDK clients mocked. */

import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
} from '@aws-sdk/client-apigatewaymanagementapi';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createCognitoDirectory } from '../../functions/adapters/cognito-admin.js';
import { createConnectionCloser } from '../../functions/adapters/connection-closer.js';
import { UserExistsError } from '../../functions/core/admin-ports.js';

const cognito = mockClient(CognitoIdentityProviderClient);
const management = mockClient(ApiGatewayManagementApiClient);
afterEach(() => {
  cognito.reset();
  management.reset();
});

const directory = createCognitoDirectory('pool-1', () => new CognitoIdentityProviderClient({ region: 'eu-west-1' }));

describe('Cognito user directory', () => {
  it('creates the user with the invitation e-mail (no suppressed message, no fixed password), then its group', async () => {
    cognito.on(AdminCreateUserCommand).resolves({ User: { Attributes: [{ Name: 'sub', Value: 'sub-1' }] } });
    cognito.on(AdminAddUserToGroupCommand).resolves({});
    expect(await directory.createUser({ email: 'a@x.test', name: 'Ann', role: 'operator' })).toBe('sub-1');
    const input = cognito.commandCalls(AdminCreateUserCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ UserPoolId: 'pool-1', Username: 'a@x.test', DesiredDeliveryMediums: ['EMAIL'] });
    expect(input.MessageAction).toBeUndefined();
    expect(input.TemporaryPassword).toBeUndefined();
    expect(input.UserAttributes).toEqual(
      expect.arrayContaining([
        { Name: 'email', Value: 'a@x.test' },
        { Name: 'name', Value: 'Ann' },
      ]),
    );
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)[0]!.args[0].input).toEqual({
      UserPoolId: 'pool-1',
      Username: 'a@x.test',
      GroupName: 'operator',
    });
  });

  it('turns UsernameExistsException into UserExistsError and adds no group', async () => {
    cognito.on(AdminCreateUserCommand).rejects(new UsernameExistsException({ message: 'exists', $metadata: {} }));
    await expect(directory.createUser({ email: 'a@x.test', name: 'Ann', role: 'admin' })).rejects.toBeInstanceOf(
      UserExistsError,
    );
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)).toHaveLength(0);
  });

  it('moves the role between groups, renames, disables and enables', async () => {
    cognito.onAnyCommand().resolves({});
    await directory.setRole('a@x.test', 'admin');
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)[0]!.args[0].input.GroupName).toBe('admin');
    expect(cognito.commandCalls(AdminRemoveUserFromGroupCommand)[0]!.args[0].input.GroupName).toBe('operator');
    await directory.setName('a@x.test', 'Anna');
    expect(cognito.commandCalls(AdminUpdateUserAttributesCommand)[0]!.args[0].input.UserAttributes).toEqual([
      { Name: 'name', Value: 'Anna' },
    ]);
    await directory.setEnabled('a@x.test', false);
    await directory.setEnabled('a@x.test', true);
    expect(cognito.commandCalls(AdminDisableUserCommand)).toHaveLength(1);
    expect(cognito.commandCalls(AdminEnableUserCommand)).toHaveLength(1);
  });
});

describe('connection closer', () => {
  it('deletes each connection once; a gone one is fine and never stops the others', async () => {
    management
      .on(DeleteConnectionCommand, { ConnectionId: 'gone' })
      .rejects(new GoneException({ message: 'gone', $metadata: {} }))
      .on(DeleteConnectionCommand, { ConnectionId: 'c1' })
      .resolves({});
    await createConnectionCloser('https://example.test/ws').close(['gone', 'c1', 'c1']);
    expect(
      management
        .commandCalls(DeleteConnectionCommand)
        .map((c) => c.args[0].input.ConnectionId)
        .sort(),
    ).toEqual(['c1', 'gone']);
  });
});
