/**
 * The visitor-token secret: from Secrets Manager in AWS (VISITOR_TOKEN_SECRET_ARN), or directly
 * from VISITOR_TOKEN_SECRET locally (the local runtime generates one into a file).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

let pending: Promise<string> | undefined;

export function visitorTokenSecret(): Promise<string> {
  pending ??= (async () => {
    const direct = process.env.VISITOR_TOKEN_SECRET;
    if (direct) return direct;
    const arn = process.env.VISITOR_TOKEN_SECRET_ARN;
    if (!arn) throw new Error('Missing VISITOR_TOKEN_SECRET_ARN (or VISITOR_TOKEN_SECRET locally)');
    const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
    if (!out.SecretString) throw new Error('The visitor token secret is empty');
    return out.SecretString;
  })();
  pending.catch(() => {
    pending = undefined;
  });
  return pending;
}
