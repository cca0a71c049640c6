/**
 * The user directory on Cognito (AdminCreateUser sends the invitation e-mail with a temporary
 * password; groups carry the role; AdminDisableUser stops sign-in). One client per instance,
 * created at module scope on first use, replaceable in tests. Locally cognito-local answers the
 * same calls (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER).
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { type UserDirectory, UserExistsError } from '../core/admin-ports.js';

let client: CognitoIdentityProviderClient | undefined;

export function cognitoClient(): CognitoIdentityProviderClient {
  client ??= new CognitoIdentityProviderClient({});
  return client;
}

export function setCognitoClient(next: CognitoIdentityProviderClient | undefined): void {
  client = next;
}

const GROUPS = ['admin', 'operator'] as const;

export function createCognitoDirectory(
  userPoolId: string,
  c: () => CognitoIdentityProviderClient = cognitoClient,
): UserDirectory {
  const UserPoolId = userPoolId;
  return {
    async createUser(u) {
      let sub: string | undefined;
      try {
        const out = await c().send(
          new AdminCreateUserCommand({
            UserPoolId,
            Username: u.email,
            DesiredDeliveryMediums: ['EMAIL'],
            UserAttributes: [
              { Name: 'email', Value: u.email },
              { Name: 'email_verified', Value: 'true' },
              { Name: 'name', Value: u.name },
            ],
          }),
        );
        sub = out.User?.Attributes?.find((a) => a.Name === 'sub')?.Value;
      } catch (err) {
        if ((err as Error).name === 'UsernameExistsException') throw new UserExistsError();
        throw err;
      }
      if (!sub) throw new Error('Cognito returned no sub for the new user');
      await c().send(new AdminAddUserToGroupCommand({ UserPoolId, Username: u.email, GroupName: u.role }));
      return sub;
    },
    async setRole(email, role) {
      await c().send(new AdminAddUserToGroupCommand({ UserPoolId, Username: email, GroupName: role }));
      for (const other of GROUPS.filter((g) => g !== role)) {
        await c().send(new AdminRemoveUserFromGroupCommand({ UserPoolId, Username: email, GroupName: other }));
      }
    },
    async setName(email, name) {
      await c().send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId,
          Username: email,
          UserAttributes: [{ Name: 'name', Value: name }],
        }),
      );
    },
    async setEnabled(email, enabled) {
      await c().send(
        enabled
          ? new AdminEnableUserCommand({ UserPoolId, Username: email })
          : new AdminDisableUserCommand({ UserPoolId, Username: email }),
      );
    },
  };
}
