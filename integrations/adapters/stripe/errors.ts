import Stripe from 'stripe';
import { PermanentError, RetryableError } from '../../registry/errors.js';

/**
 * Stripe's failures in the core's terms. Network errors, 429, 409 (e.g. lock_timeout) and 5xx are
 * transient (honouring Retry-After); other 4xx are permanent. Stripe's own `Stripe-Should-Retry`
 * header, when present, overrides the status either way.
 */
export function classifyStripeError(error: unknown): Error {
  if (!(error instanceof Stripe.errors.StripeError)) {
    return new RetryableError(`unexpected error calling Stripe: ${(error as Error)?.message ?? String(error)}`, undefined, { cause: error });
  }
  const status = error.statusCode;
  const retryAfter = Number(error.headers?.['retry-after']);
  const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
  const detail = `Stripe ${status ?? 'network'} ${error.code ?? error.type}: ${error.message}`;
  const shouldRetry = error.headers?.['stripe-should-retry'];
  if (shouldRetry === 'true') return new RetryableError(detail, retryAfterMs, { cause: error });
  if (shouldRetry === 'false') return new PermanentError(detail, { cause: error });
  if (error instanceof Stripe.errors.StripeConnectionError || status === undefined || status === 429 || status === 409 || status >= 500) {
    return new RetryableError(detail, retryAfterMs, { cause: error });
  }
  return new PermanentError(detail, { cause: error });
}

export function isMissing(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeError && (error.statusCode === 404 || error.code === 'resource_missing');
}
