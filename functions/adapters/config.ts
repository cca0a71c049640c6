/** Configuration read once at cold start from the environment; missing values fail fast. */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Missing required environment variable ${name}`);
  return value;
}

export interface Config {
  tableName: string;
  wsCallbackUrl: string;
}

let cached: Config | undefined;

export function config(): Config {
  cached ??= { tableName: required('TABLE_NAME'), wsCallbackUrl: required('WS_CALLBACK_URL') };
  return cached;
}

/** The table's name alone, for functions that post to no connection (no callback URL). */
export function tableName(): string {
  return cached?.tableName ?? required('TABLE_NAME');
}
