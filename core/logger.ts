import { pino, type Logger } from 'pino';

const root = pino({
  level: 'info', // each process sets its configured level at start (setLogLevel)
  base: undefined,
  // Never log secrets, even when a caller passes a whole config or request object.
  redact: {
    paths: ['*.STRIPE_SECRET_KEY', '*.STRIPE_WEBHOOK_SECRET', '*.authorization', '*.password', 'headers["stripe-signature"]'],
    censor: '[redacted]',
  },
});

/** A named logger per module (e.g. getLogger('outbox.relay')), so every line says where it came from. */
export function getLogger(name: string): Logger {
  return root.child({ logger: name });
}

export function setLogLevel(level: string): void {
  root.level = level;
}
