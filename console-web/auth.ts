/**
 * Operator sign-in against Cognito's JSON API with plain fetch (no SDK in the browser):
 * USER_PASSWORD_AUTH, the NEW_PASSWORD_REQUIRED challenge, REFRESH_TOKEN_AUTH.
 * Tokens live in sessionStorage (gone when the tab closes).
 */
import type { ResolvedConfig } from './config.js';

export interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  /** When the IdToken expires (epoch ms). */
  expiresAt: number;
  email: string;
}

export class CognitoError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CognitoError';
  }
}

export type SignInResult =
  | { kind: 'signed-in'; tokens: Tokens }
  | { kind: 'new-password'; session: string; username: string };

interface AuthenticationResult {
  IdToken: string;
  AccessToken: string;
  RefreshToken?: string;
  ExpiresIn?: number;
}
interface AuthResponse {
  AuthenticationResult?: AuthenticationResult;
  ChallengeName?: string;
  Session?: string;
  ChallengeParameters?: Record<string, string>;
}

async function call(cfg: ResolvedConfig, target: string, body: unknown): Promise<AuthResponse> {
  let res: Response;
  try {
    res = await fetch(cfg.cognitoUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `AWSCognitoIdentityProviderService.${target}`,
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new CognitoError('NetworkError', 'Cannot reach the sign-in service. Check your connection.');
  }
  const json = (await res.json().catch(() => ({}))) as { __type?: string; message?: string; Message?: string };
  if (!res.ok) {
    const code = String(json.__type || `HTTP${res.status}`).replace(/^.*#/, '');
    throw new CognitoError(code, json.message || json.Message || `Sign-in failed (HTTP ${res.status})`);
  }
  return json as AuthResponse;
}

/** Epoch ms at which a JWT expires (its `exp` claim), or undefined if unreadable. */
export function jwtExpiry(jwt: string): number | undefined {
  try {
    const part = (jwt.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '=')));
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function toTokens(r: AuthenticationResult, email: string, previousRefresh = ''): Tokens {
  const expiresAt = jwtExpiry(r.IdToken) ?? Date.now() + (r.ExpiresIn ?? 3600) * 1000;
  return {
    idToken: r.IdToken,
    accessToken: r.AccessToken,
    refreshToken: r.RefreshToken || previousRefresh,
    expiresAt,
    email,
  };
}

export async function signIn(cfg: ResolvedConfig, email: string, password: string): Promise<SignInResult> {
  const r = await call(cfg, 'InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: cfg.clientId,
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (r.AuthenticationResult) return { kind: 'signed-in', tokens: toTokens(r.AuthenticationResult, email) };
  if (r.ChallengeName === 'NEW_PASSWORD_REQUIRED' && r.Session) {
    return { kind: 'new-password', session: r.Session, username: r.ChallengeParameters?.USER_ID_FOR_SRP || email };
  }
  throw new CognitoError(r.ChallengeName || 'UnsupportedChallenge', `Unsupported sign-in step: ${r.ChallengeName}`);
}

export async function completeNewPassword(
  cfg: ResolvedConfig,
  username: string,
  newPassword: string,
  session: string,
  email: string,
): Promise<Tokens> {
  const r = await call(cfg, 'RespondToAuthChallenge', {
    ChallengeName: 'NEW_PASSWORD_REQUIRED',
    ClientId: cfg.clientId,
    Session: session,
    ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
  });
  if (!r.AuthenticationResult) throw new CognitoError('UnsupportedChallenge', 'The new password was not accepted.');
  return toTokens(r.AuthenticationResult, email);
}

export async function refreshTokens(cfg: ResolvedConfig, tokens: Tokens): Promise<Tokens> {
  const r = await call(cfg, 'InitiateAuth', {
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    ClientId: cfg.clientId,
    AuthParameters: { REFRESH_TOKEN: tokens.refreshToken },
  });
  if (!r.AuthenticationResult) throw new CognitoError('NotAuthorizedException', 'Session expired.');
  return toTokens(r.AuthenticationResult, tokens.email, tokens.refreshToken);
}

/**
 * The message shown under the sign-in form. `step` tells a wrong password at sign-in
 * (some Cognito stand-ins answer InvalidPasswordException there) from a new password
 * that breaks the policy.
 */
export function signInErrorText(err: unknown, step: 'sign-in' | 'new-password' = 'sign-in'): string {
  if (err instanceof CognitoError) {
    if (step === 'sign-in' && err.code === 'InvalidPasswordException') return 'Incorrect e-mail or password.';
    switch (err.code) {
      case 'NotAuthorizedException':
        return step === 'sign-in' ? 'Incorrect e-mail or password.' : 'Your sign-in session expired. Start again.';
      case 'UserNotFoundException':
        return 'Incorrect e-mail or password.';
      case 'PasswordResetRequiredException':
        return 'You must reset your password before signing in. Ask an administrator.';
      case 'UserNotConfirmedException':
        return 'This account is not confirmed yet.';
      case 'InvalidPasswordException':
        return err.message || 'The new password does not meet the password policy.';
      case 'TooManyRequestsException':
      case 'LimitExceededException':
        return 'Too many attempts. Wait a moment and try again.';
      default:
        return err.message;
    }
  }
  return err instanceof Error ? err.message : String(err);
}

const KEY = 'parley:console:tokens';

export const tokenStore = {
  load(): Tokens | null {
    try {
      const t = JSON.parse(sessionStorage.getItem(KEY) || 'null') as Tokens | null;
      return t && typeof t.idToken === 'string' && typeof t.refreshToken === 'string' ? t : null;
    } catch {
      return null;
    }
  },
  save(t: Tokens): void {
    try {
      sessionStorage.setItem(KEY, JSON.stringify(t));
    } catch {
      /* private mode: the session lasts as long as the page */
    }
  },
  clear(): void {
    try {
      sessionStorage.removeItem(KEY);
    } catch {
      /* nothing stored */
    }
  },
};

/**
 * Keeps the tokens fresh: refreshes a couple of minutes before the IdToken expires and on demand.
 * `onExpired` fires when refreshing fails for good (the operator must sign in again).
 */
export class AuthSession {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: Promise<Tokens> | undefined;

  constructor(
    private readonly cfg: ResolvedConfig,
    private tokens: Tokens,
    private readonly onExpired: () => void,
  ) {
    tokenStore.save(tokens);
    this.schedule();
  }

  get email(): string {
    return this.tokens.email;
  }

  /** A valid IdToken, refreshed first when it is about to expire (or when `force`). */
  async idToken(force = false): Promise<string> {
    if (force || this.tokens.expiresAt - Date.now() < 60_000) await this.refresh();
    return this.tokens.idToken;
  }

  refresh(): Promise<Tokens> {
    this.inflight ||= refreshTokens(this.cfg, this.tokens)
      .then((t) => {
        this.tokens = t;
        tokenStore.save(t);
        this.schedule();
        return t;
      })
      .catch((err) => {
        if (err instanceof CognitoError && err.code === 'NetworkError') {
          this.timer = setTimeout(() => void this.refresh().catch(() => {}), 15_000);
        } else {
          this.dispose();
          tokenStore.clear();
          this.onExpired();
        }
        throw err;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const lifetime = this.tokens.expiresAt - Date.now();
    const wait = Math.max(5_000, lifetime - 120_000);
    this.timer = setTimeout(() => void this.refresh().catch(() => {}), Math.min(wait, 2 ** 31 - 1));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  signOut(): void {
    this.dispose();
    tokenStore.clear();
  }
}
