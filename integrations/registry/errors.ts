/** A failure worth retrying (network, rate limit, 5xx): the consumer backs off and tries again. */
export class RetryableError extends Error {
  override name = 'RetryableError';
  constructor(message: string, readonly retryAfterMs?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A failure retrying cannot fix (4xx, invalid data): the change is dead-lettered at once. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/** A webhook that is not ours or not well formed: answered with HTTP 400. */
export class WebhookRejectedError extends Error {
  override name = 'WebhookRejectedError';
}
