import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv, secretVariablesOf } from '../../core/config/parse-env.js';
import { stripeConfigSchema } from '../../integrations/adapters/stripe/config.js';
import { apiKeysSchema, findApiKey } from '../../server/auth/api-keys.js';
import { createOriginPolicy, isLocalHostHeader } from '../../server/auth/origins.js';
import { SubscriptionSlots } from '../../server/auth/subscription-slots.js';
import { TokenBuckets } from '../../server/auth/token-buckets.js';
import { gatewayEnv } from '../../server/config.js';
import { safeSummary } from '../../server/schema/safe-summary.js';

// Pure logic of the API's security: parsing API_KEYS, the token bucket, origins, caps, summaries.

const long = (prefix: string) => `${prefix}-${'s'.repeat(30)}`;

describe('API_KEYS', () => {
  it('parses name:secret:scopes entries, * for every scope', () => {
    const keys = apiKeysSchema.parse(`ci:${long('a')}:customers.read+sync.read, admin:${long('b')}:*`);
    expect(keys.map((key) => [key.name, [...key.scopes].sort()])).toEqual([
      ['ci', ['customers.read', 'sync.read']],
      ['admin', ['customers.read', 'customers.write', 'sync.admin', 'sync.read']],
    ]);
    expect(findApiKey(keys, long('b'))?.name).toBe('admin');
    expect(findApiKey(keys, long('c'))).toBeUndefined();
    expect(findApiKey(keys, '')).toBeUndefined();
  });

  it('refuses short secrets, unknown scopes, duplicate names, and never echoes a secret', () => {
    const secret = 'short-secret';
    const attempt = () => parseEnv(gatewayEnv, { API_KEYS: `a:${secret}:*,b:${long('x')}:customers.read,b:${long('y')}:*,c:${long('z')}:customers.delete,broken` });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toContain('at least 24 characters');
    expect(message).toContain('unknown scope(s) customers.delete');
    expect(message).toContain('name used twice');
    expect(message).toContain('name:secret:scopes');
    expect(message).not.toContain(secret);
    expect(message).not.toContain(long('x'));
  });

  it('production needs credentials', () => {
    expect(() => parseEnv(gatewayEnv, { NODE_ENV: 'production' })).toThrow(/API_KEYS, or JWT_SECRET or JWT_JWKS_URL/);
    expect(parseEnv(gatewayEnv, { NODE_ENV: 'production', JWT_JWKS_URL: 'https://idp.example/jwks.json' }).NODE_ENV).toBe('production');
  });
});

describe('TokenBuckets', () => {
  it('grants a burst, then one request per 1/rate seconds, per id', () => {
    let now = 0;
    const buckets = new TokenBuckets(2, 2, () => now);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 1]);
    expect(buckets.take('b')).toBe(0);
    now += 500;
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(1);
    expect(new TokenBuckets(0).take('a')).toBe(0);
    const slow = new TokenBuckets(0.05, undefined, () => now);
    expect([slow.take('a'), slow.take('a')]).toEqual([0, 20]);
  });
});

describe('origins', () => {
  it('allows the list, localhost only in development, and requests without Origin', () => {
    const development = createOriginPolicy({ allowed: ['https://console.example.com/'], allowLocalhost: true });
    const production = createOriginPolicy({ allowed: ['https://console.example.com'], allowLocalhost: false });
    expect(development.allows('https://console.example.com')).toBe(true);
    expect(development.allows('http://localhost:5173')).toBe(true);
    expect(development.allows('http://127.0.0.1:4000')).toBe(true);
    expect(development.allows('http://localhost.evil.example')).toBe(false);
    expect(development.allows('null')).toBe(false);
    expect(production.allows('http://localhost:5173')).toBe(false);
    expect(production.allows('https://console.example.com')).toBe(true);
    expect(production.allows(undefined)).toBe(true);
    expect(isLocalHostHeader('localhost:4000')).toBe(true);
    expect(isLocalHostHeader('[::1]:4000')).toBe(true);
    expect(isLocalHostHeader('localhost.attacker.example')).toBe(false);
  });
});

describe('SubscriptionSlots', () => {
  it('caps per credential and overall; a release frees one slot once', () => {
    const slots = new SubscriptionSlots(2, 3);
    const a1 = slots.acquire('a');
    expect(slots.acquire('a')).toBeDefined();
    expect(slots.acquire('a')).toBeUndefined();
    expect(slots.acquire('b')).toBeDefined();
    expect(slots.acquire('c')).toBeUndefined();
    a1!();
    a1!();
    expect(slots.size).toBe(2);
    expect(slots.acquire('c')).toBeDefined();
    expect(slots.acquire('d')).toBeUndefined();
  });
});

describe('safeSummary', () => {
  it('keeps the gist and drops secrets, addresses, stacks and SQL', () => {
    expect(safeSummary('Stripe 400 invalid_request_error: Invalid email address: x')).toBe('Stripe 400 invalid_request_error: Invalid email address: x');
    const network = safeSummary('unexpected error calling Stripe: connect ECONNREFUSED 127.0.0.1:8420 with sk_test_abc123 at https://api.stripe.com/v1/customers\n    at TCPConnectWrap.afterConnect');
    expect(network).toBe('unexpected error calling Stripe: connect ECONNREFUSED [address] with [redacted] at [url]');
    expect(safeSummary('Invalid `prisma.customer.update()` invocation: SELECT * FROM customer')).toBe('internal error (details in the logs)');
    expect(safeSummary('x'.repeat(500))!.length).toBe(200);
    expect(safeSummary(null)).toBeNull();
  });
});

describe('secrets declared by config schemas', () => {
  it('each schema names its own secrets (redacted from logs once parsed)', () => {
    expect(secretVariablesOf(stripeConfigSchema).sort()).toEqual(['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']);
    expect(secretVariablesOf(gatewayEnv)).toContain('JWT_SECRET');
  });
});
