/** Structured JSON logs, one line per event (CloudWatch Logs Insights reads the fields). */
type Fields = Record<string, unknown>;

function write(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Fields) {
  if (process.env.PARLEY_LOG === 'silent') return;
  if (level === 'debug' && process.env.PARLEY_LOG !== 'debug') return;
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields });
  if (level === 'error' || level === 'warn') console.error(line);
  else console.log(line);
}

export const log = {
  debug: (msg: string, fields?: Fields) => write('debug', msg, fields),
  info: (msg: string, fields?: Fields) => write('info', msg, fields),
  warn: (msg: string, fields?: Fields) => write('warn', msg, fields),
  error: (msg: string, fields?: Fields) => write('error', msg, fields),
};
