import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

// An HTTP proxy in front of localstripe (set STRIPE_API_BASE to its url) that behaves as real
// Stripe does where localstripe does not, for fault tests:
// - a rate limit: over `rateLimitPerSecond` it answers 429 with Stripe's error body and headers;
// - Idempotency-Key replay: the same key with the same request returns the stored response (with
//   Idempotent-Replayed: true), a duplicate in flight waits for the first, and the same key with
//   other parameters answers 400 idempotency_error;
// - injected latency, 500s and connection resets, drawn from a seeded generator and changeable at
//   run time (configure()).
// Hand-written because no maintained library emulates these Stripe behaviours; it is small and
// counts everything it does, so tests can assert on it.

export interface StripeProxyFaults {
  /** Requests per second over which it answers 429 (a token bucket of that size); null: no limit. */
  rateLimitPerSecond: number | null;
  /** Added before forwarding, uniformly in [min, max] ms. */
  latencyMs: [number, number];
  /** Share (0..1) of writes (POST/DELETE) answered 500 without reaching localstripe. */
  errorRate: number;
  /** Share (0..1) of writes whose connection is reset after localstripe handled them (the response is lost). */
  resetRate: number;
}

export interface StripeProxyCounts {
  requests: number;
  forwarded: number;
  rateLimited: number;
  injectedErrors: number;
  resets: number;
  replays: number;
  idempotencyErrors: number;
}

export interface StripeProxy {
  url: string;
  counts: StripeProxyCounts;
  configure(faults: Partial<StripeProxyFaults>): void;
  close(): Promise<void>;
}

interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

interface IdempotentEntry {
  fingerprint: string;
  response: Promise<StoredResponse | undefined>;
}

const noFaults: StripeProxyFaults = { rateLimitPerSecond: null, latencyMs: [0, 0], errorRate: 0, resetRate: 0 };

export async function startStripeProxy(target: string, options: { seed?: number; faults?: Partial<StripeProxyFaults> } = {}): Promise<StripeProxy> {
  const upstream = new URL(target);
  let faults: StripeProxyFaults = { ...noFaults, ...options.faults };
  const rng = xoroshiro128plus(options.seed ?? 42);
  const random = () => uniformFloat64(rng);
  const counts: StripeProxyCounts = { requests: 0, forwarded: 0, rateLimited: 0, injectedErrors: 0, resets: 0, replays: 0, idempotencyErrors: 0 };
  const idempotent = new Map<string, IdempotentEntry>();
  let tokens = faults.rateLimitPerSecond ?? 0;
  let refilledAt = performance.now();

  function takeToken(): boolean {
    const limit = faults.rateLimitPerSecond;
    if (limit === null) return true;
    const now = performance.now();
    tokens = Math.min(limit, tokens + ((now - refilledAt) / 1000) * limit);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  function forward(request: http.IncomingMessage, body: Buffer): Promise<StoredResponse> {
    counts.forwarded += 1;
    return new Promise((resolve, reject) => {
      const outgoing = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: request.method,
          path: request.url,
          headers: { ...request.headers, host: upstream.host },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined && !['connection', 'transfer-encoding', 'content-length'].includes(name)) headers[name] = String(value);
            }
            resolve({ status: response.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
          });
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  function send(response: http.ServerResponse, stored: StoredResponse, extra: Record<string, string> = {}): void {
    response.writeHead(stored.status, { ...stored.headers, ...extra, 'content-length': String(stored.body.length) });
    response.end(stored.body);
  }

  function stripeError(status: number, error: Record<string, string>, headers: Record<string, string> = {}): StoredResponse {
    const body = Buffer.from(JSON.stringify({ error }));
    return { status, headers: { 'content-type': 'application/json', 'request-id': `req_${randomBytes(7).toString('hex')}`, ...headers }, body };
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    counts.requests += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);

    if (!takeToken()) {
      counts.rateLimited += 1;
      send(
        response,
        stripeError(
          429,
          { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.' },
          { 'stripe-should-retry': 'true' },
        ),
      );
      return;
    }
    const [minLatency, maxLatency] = faults.latencyMs;
    if (maxLatency > 0) await new Promise((resolve) => setTimeout(resolve, minLatency + random() * (maxLatency - minLatency)));

    const isWrite = request.method === 'POST' || request.method === 'DELETE';
    if (isWrite && random() < faults.errorRate) {
      counts.injectedErrors += 1;
      send(response, stripeError(500, { type: 'api_error', message: 'An unknown error occurred (injected by the test proxy).' }));
      return;
    }
    const resetAfter = isWrite && random() < faults.resetRate;
    const key = request.headers['idempotency-key'];
    let stored: StoredResponse | undefined;
    if (isWrite && typeof key === 'string') {
      const fingerprint = createHash('sha256').update(`${request.method} ${request.url}\n`).update(body).digest('hex');
      const existing = idempotent.get(key);
      if (existing && existing.fingerprint !== fingerprint) {
        counts.idempotencyErrors += 1;
        send(
          response,
          stripeError(400, {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          }),
        );
        return;
      }
      if (existing) {
        stored = await existing.response; // waits while the first is in flight
        if (stored) {
          counts.replays += 1;
          send(response, stored, { 'idempotent-replayed': 'true' });
          return;
        }
      }
      // Stripe saves a result once the request started executing; one that failed upstream is not kept.
      const pending = forward(request, body).catch(() => undefined);
      idempotent.set(key, { fingerprint, response: pending });
      stored = await pending;
      if (!stored) idempotent.delete(key);
    } else {
      stored = await forward(request, body).catch(() => undefined);
    }
    if (!stored) {
      send(response, stripeError(502, { type: 'api_error', message: 'localstripe did not answer' }));
      return;
    }
    if (resetAfter) {
      counts.resets += 1;
      request.socket.resetAndDestroy();
      return;
    }
    send(response, stored);
  }

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, stripeError(502, { type: 'api_error', message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    configure(changes) {
      faults = { ...faults, ...changes };
      if (changes.rateLimitPerSecond !== undefined) {
        tokens = changes.rateLimitPerSecond ?? 0;
        refilledAt = performance.now();
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
