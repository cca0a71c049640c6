import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';

/** The Cognito groups an operator can belong to. */
export const OPERATOR_GROUPS = ['admin', 'operator'] as const;

export interface ParleyAuthProps {
  /**
   * What happens to the user pool when it leaves the stack.
   * @default RemovalPolicy.RETAIN (operators' accounts)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Operator sign-in: a Cognito user pool (admin-created users only, e-mail sign-in, strong
 * passwords), one public app client for the console (USER_PASSWORD_AUTH + refresh, no secret)
 * and the groups `admin` and `operator`. Role, status and departments live in Parley's own table
 * and are checked on every connect and request (DESIGN §6); the groups are the coarse gate.
 */
export class ParleyAuth extends Construct {
  /** The operators' user pool. */
  readonly userPool: cognito.UserPool;
  /** The console's app client. */
  readonly client: cognito.UserPoolClient;
  /** `https://cognito-idp.<region>.amazonaws.com/<poolId>`: the JWT issuer. */
  readonly issuerUrl: string;
  /** `https://cognito-idp.<region>.amazonaws.com/`: the endpoint the console calls. */
  readonly cognitoEndpoint: string;

  constructor(scope: Construct, id: string, props: ParleyAuthProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);

    this.userPool = new cognito.UserPool(this, 'Operators', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Operators may enrol an authenticator app; see the AwsSolutions-COG2 note below.
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.client = this.userPool.addClient('Console', {
      authFlows: { userPassword: true }, // CDK adds ALLOW_REFRESH_TOKEN_AUTH with it
      generateSecret: false, // a browser app cannot keep a secret
      disableOAuth: true, // the console signs in with InitiateAuth, not the hosted UI
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    for (const groupName of OPERATOR_GROUPS) {
      new cognito.UserPoolGroup(this, `Group-${groupName}`, {
        userPool: this.userPool,
        groupName,
        description: groupName === 'admin' ? 'Parley administrators' : 'Parley operators',
      });
    }

    this.cognitoEndpoint = `https://cognito-idp.${stack.region}.${stack.urlSuffix}/`;
    this.issuerUrl = `https://cognito-idp.${stack.region}.${stack.urlSuffix}/${this.userPool.userPoolId}`;

    acknowledge(
      this.userPool,
      'COG2',
      'MFA is OPTIONAL with TOTP only: operators are created by an admin (no self sign-up) and can ' +
        'enrol an authenticator app; making it REQUIRED needs the console to run the MFA_SETUP challenge, ' +
        'which is a later issue. Teams that need it can switch the pool to REQUIRED.',
    );
    acknowledge(
      this.userPool,
      'COG8',
      'Threat protection (advanced security) needs the Cognito Plus feature plan and its per-user price; ' +
        'the pool has no self sign-up, strong passwords and admin-created users, and Parley does not require it.',
    );
  }
}
