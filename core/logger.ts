import { pino, type Logger } from 'pino';

/** Secret values declared by config schemas (`.meta({ secret: true })`, registered by parseEnv). */
const secretValues = new Set<string>();

const root = pino({
  level: 'info', // each process sets its configured level at start (setLogLevel)
  base: undefined,
  // Never log credentials, even when a caller passes a whole request object.
  redact: { paths: ['*.authorization', '*.password', '*.headers.authorization'], censor: '[redacted]' },
  hooks: {
    // Whatever field or message a secret value ends up in (an error text, a URL), it leaves as
    // [redacted]: each adapter declares its secrets in its own config schema, core lists none.
    streamWrite(line) {
      let written = line;
      for (const secret of secretValues) if (written.includes(secret)) written = written.split(secret).join('[redacted]');
      return written;
    },
  },
});

/** Values that must never appear in a log line (short values would redact innocent text, so they are skipped). */
export function redactSecretValues(values: Iterable<string | undefined>): void {
  for (const value of values) if (value && value.length >= 8) secretValues.add(value);
}

/** A named logger per module (e.g. getLogger('outbox.relay')), so every line says where it came from. */
export function getLogger(name: string): Logger {
  return root.child({ logger: name });
}

export function setLogLevel(level: string): void {
  root.level = level;
}
