import http from 'node:http';
import { print } from 'graphql';
import { SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CreateCustomer, DeleteCustomer, ListCustomers, ResyncCustomer, UpdateCustomer, WatchSyncEvents } from '../graphql/operations.js';
import { testCredentials } from '../support/credentials.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway } from '../support/gateway.js';
import { data, execute } from '../support/graphql-client.js';
import { startJwtIssuer } from '../support/jwt-issuer.js';
import { uniqueName } from '../support/stack.js';
import { subscribeSse, subscribeWs } from '../support/subscriptions.js';

// Issue #9: each rule tried by someone who wants to break it, against a real gateway (Postgres,
// Kafka) over real HTTP and WebSocket.

const JWT_SECRET = `hs256-${'x'.repeat(40)}-${uniqueName('secret')}`;
const ISSUER = 'https://issuer.test/';
const AUDIENCE = 'catalog-gateway';
const MAIL = () => `${uniqueName('sec')}@example.com`;

let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let issuer: Awaited<ReturnType<typeof startJwtIssuer>>;
beforeAll(async () => {
  issuer = await startJwtIssuer();
  gateway = await startTestGateway({ JWT_SECRET, JWT_JWKS_URL: issuer.jwksUrl, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, CORS_ORIGINS: 'https://console.example.com' });
});
afterAll(async () => {
  await gateway?.stop();
  await issuer?.close();
});

const hs256 = (claims: JWTPayload, adjust: (jwt: SignJWT) => SignJWT = (jwt) => jwt) =>
  adjust(new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'jwt-user', ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m')).sign(
    new TextEncoder().encode(JWT_SECRET),
  );

/** A raw POST, for what the typed client cannot express. */
async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const listQuery = { query: print(ListCustomers), variables: { first: 1 } };

describe('credentials over HTTP', () => {
  it('refuses a request without, or with a wrong, credential: 401 UNAUTHENTICATED, no data', async () => {
    for (const headers of [{}, bearer('not-a-key-but-long-enough-to-be-one'), { authorization: testCredentials.admin }, { authorization: `Basic ${testCredentials.admin}` }]) {
      const response = await post(listQuery, headers);
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(response.body.data ?? null).toBeNull();
    }
  });

  it('accepts an API key, and a JWT signed with JWT_SECRET (HS256) or by the JWKS issuer (ES256)', async () => {
    expect((await post(listQuery, bearer(testCredentials.admin))).status).toBe(200);
    const hsToken = await hs256({ scope: 'customers.read' });
    expect((await post(listQuery, bearer(hsToken))).body.errors).toBeUndefined();
    const esToken = await issuer.sign({ iss: ISSUER, aud: AUDIENCE, sub: 'idp-user', scope: 'customers.read sync.read' });
    expect((await post(listQuery, bearer(esToken))).body.errors).toBeUndefined();
  });

  it('refuses expired, not-yet-valid, wrong-issuer, wrong-audience, wrong-key, unsigned (alg: none) and subject-less JWTs', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bad = {
      expired: await hs256({ scope: 'customers.read' }, (jwt) => jwt.setIssuedAt(now - 600).setExpirationTime(now - 300)),
      notYetValid: await hs256({ scope: 'customers.read' }, (jwt) => jwt.setNotBefore(now + 300)),
      wrongIssuer: await hs256({ scope: 'customers.read', iss: 'https://evil.test/' }),
      wrongAudience: await hs256({ scope: 'customers.read', aud: 'someone-else' }),
      wrongKey: await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'x', scope: 'customers.read' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('y'.repeat(48))),
      algNone: new UnsecuredJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'x', scope: 'customers.read' }).setExpirationTime('5m').encode(),
      // alg: none with a signature part copied from a valid token
      algNoneSigned: `${new UnsecuredJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'x', scope: 'customers.read' }).setExpirationTime('5m').encode()}${(await hs256({})).split('.')[2]}`,
      noSubject: await new SignJWT({ iss: ISSUER, aud: AUDIENCE, scope: 'customers.read' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(JWT_SECRET)),
    };
    for (const [name, token] of Object.entries(bad)) {
      const response = await post(listQuery, bearer(token));
      expect({ name, status: response.status, code: response.body.errors?.[0]?.extensions?.code }).toEqual({ name, status: 401, code: 'UNAUTHENTICATED' });
    }
  });

  it('refuses an SSE subscription without a credential (401)', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: print(WatchSyncEvents) }),
    });
    expect(response.status).toBe(401);
    await response.body?.cancel();
  });

  it('serves /health and the GraphiQL page without a key', async () => {
    expect((await fetch(gateway.url.replace('/graphql', '/health'))).status).toBe(200);
    const page = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain(testCredentials.admin);
  });
});

describe('credentials over graphql-ws', () => {
  it('closes the socket with 4401 without, or with a wrong, credential', async () => {
    for (const token of [null, 'wrong-key-wrong-key-wrong-key', await hs256({ scope: 'sync.read' }, (jwt) => jwt.setExpirationTime(Math.floor(Date.now() / 1000) - 60))]) {
      await expect(subscribeWs(gateway.url, WatchSyncEvents, {}, { token })).rejects.toMatchObject({ code: 4401 });
    }
  });

  it('accepts the key in connectionParams, and in the upgrade request\'s Authorization header', async () => {
    const viaParams = await subscribeWs(gateway.url, WatchSyncEvents, {});
    await viaParams.close();
    const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers: bearer(testCredentials.admin) });
    const reply = await new Promise<string>((resolve, reject) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
      socket.on('message', (message) => resolve(String(message)));
      socket.on('close', (code) => reject(new Error(`closed ${code}`)));
    });
    expect(JSON.parse(reply)).toMatchObject({ type: 'connection_ack' });
    socket.close();
  });
});

describe('scopes', () => {
  it('a read-only key can read but attempts each mutation in vain: FORBIDDEN, nothing changes', async () => {
    const created = await data(gateway.url, CreateCustomer, { input: { email: MAIL() } });
    if (created.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(created.createCustomer.__typename);
    const id = created.createCustomer.customer.id;
    const reader = { token: testCredentials.reader };

    expect((await execute(gateway.url, ListCustomers, { first: 1 }, reader)).errors).toBeUndefined();
    const attempts = [
      await execute(gateway.url, CreateCustomer, { input: { email: MAIL() } }, reader),
      await execute(gateway.url, UpdateCustomer, { id, input: { name: 'Mallory' } }, reader),
      await execute(gateway.url, DeleteCustomer, { id }, reader),
      await execute(gateway.url, ResyncCustomer, { id, integration: 'stripe' }, reader),
    ];
    for (const attempt of attempts) {
      expect(attempt.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(attempt.data ?? null).toBeNull();
    }
    // A writer may change customers but not resync them (sync.admin).
    const writer = { token: testCredentials.writer };
    expect((await execute(gateway.url, UpdateCustomer, { id, input: { name: 'Writer' } }, writer)).errors).toBeUndefined();
    expect((await execute(gateway.url, ResyncCustomer, { id, integration: 'stripe' }, writer)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const after = await data(gateway.url, ListCustomers, { first: 1, filter: { email: created.createCustomer.customer.email } });
    expect(after.customers.edges[0]?.node).toMatchObject({ id, name: 'Writer' });
    // sync.read alone cannot read customers.
    expect((await execute(gateway.url, ListCustomers, { first: 1 }, { token: testCredentials.syncReader })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a JWT gets the scopes of its scope claim, no more', async () => {
    const token = await hs256({ scope: 'customers.read openid' });
    expect((await execute(gateway.url, ListCustomers, { first: 1 }, { token })).errors).toBeUndefined();
    expect((await execute(gateway.url, CreateCustomer, { input: { email: MAIL() } }, { token })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a subscription without sync.read is refused when it starts, over SSE and over WebSocket', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer(testCredentials.reader) },
      body: JSON.stringify({ query: print(WatchSyncEvents) }),
    });
    const text = await response.text(); // the stream ends after the error
    expect(text).toContain('"FORBIDDEN"');
    expect(text).not.toContain('"syncEvents":{');

    const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const messages: Array<{ type: string; payload?: unknown }> = [];
    await new Promise<void>((resolve, reject) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: bearer(testCredentials.reader) })));
      socket.on('message', (raw) => {
        const message = JSON.parse(String(raw)) as { type: string; payload?: unknown };
        messages.push(message);
        if (message.type === 'connection_ack') socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: print(WatchSyncEvents) } }));
        if (message.type === 'error' || message.type === 'complete') resolve();
      });
      socket.on('close', (code) => reject(new Error(`closed ${code}`)));
    });
    socket.close();
    expect(JSON.stringify(messages.filter((message) => message.type !== 'connection_ack'))).toContain('FORBIDDEN');
    // sync.read is enough.
    const allowed = await subscribeSse(gateway.url, WatchSyncEvents, {}, { token: testCredentials.syncReader });
    await allowed.close();
  });
});

describe('origins', () => {
  it('refuses a foreign Origin over HTTP (403, no CORS header) and allows CORS_ORIGINS and localhost in development', async () => {
    const foreign = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example', ...bearer(testCredentials.admin) }, body: JSON.stringify(listQuery) });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    await foreign.body?.cancel();
    const preflight = await fetch(gateway.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    await preflight.body?.cancel();

    for (const origin of ['https://console.example.com', 'http://localhost:5173']) {
      const allowed = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', origin, ...bearer(testCredentials.admin) }, body: JSON.stringify(listQuery) });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);
      await allowed.body?.cancel();
    }
  });

  it('refuses a WebSocket upgrade from a foreign Origin', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { origin: 'https://evil.example', headers: bearer(testCredentials.admin) });
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => reject(new Error('the socket opened')));
      socket.on('error', () => undefined);
    });
    expect(status).toBe(403);
  });
});

describe('limits', () => {
  it('answers 413 to a 64 MiB chunked body long before it has all been sent', async () => {
    const limit = gateway.config.GRAPHQL_MAX_BODY_BYTES;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const total = 64 * 1024 * 1024;
    const { status, sent } = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const request = http.request(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...bearer(testCredentials.admin) } });
      request.on('response', (response) => {
        answered = true;
        response.resume();
        resolve({ status: response.statusCode ?? 0, sent });
      });
      request.on('error', (error) => (answered ? undefined : reject(error)));
      const pump = () => {
        while (!answered && sent < total) {
          sent += chunk.length;
          if (!request.write(chunk)) return void request.once('drain', pump);
        }
        if (!answered) request.end();
      };
      pump();
    });
    expect(status).toBe(413);
    // Refused while streaming: far less than the whole body went out (socket buffers hold a few MiB).
    expect(sent).toBeLessThan(total / 2);
    expect(sent).toBeGreaterThan(limit);
  });

  it('refuses an alias bomb of page-size lists before running it, and runs up to three such lists', async () => {
    const list = (alias: string) =>
      `${alias}: customers(first: 100, filter: { search: "a" }) { totalCount pageInfo { hasNextPage endCursor } edges { node { id email address { country } syncStates { status } } } }`;
    const aliases = (count: number) => `{ ${Array.from({ length: count }, (_, index) => list(`a${index}`)).join(' ')} }`;
    expect((await post({ query: aliases(3) }, bearer(testCredentials.admin))).body.errors).toBeUndefined();
    for (const count of [4, 20]) {
      const bomb = await post({ query: aliases(count) }, bearer(testCredentials.admin));
      expect(bomb.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
      expect(bomb.body.data ?? null).toBeNull();
    }
    // The same selection with small pages is cheap: cost follows first/last.
    const small = `{ ${Array.from({ length: 4 }, (_, index) => list(`a${index}`).replace('first: 100', 'first: 5')).join(' ')} }`;
    expect((await post({ query: small }, bearer(testCredentials.admin))).body.errors).toBeUndefined();
  });
});

describe('rate limit (its own gateway)', () => {
  let limited: Awaited<ReturnType<typeof startTestGateway>>;
  beforeAll(async () => {
    // One request per 20 s and credential: the second request within that time is always refused.
    limited = await startTestGateway({ API_RATE_LIMIT: '0.05' });
  });
  afterAll(() => limited?.stop());

  it('answers 429 with Retry-After once a credential has used its tokens; other credentials are served', async () => {
    const send = (token: string) => fetch(limited.url, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify(listQuery) });
    const first = await send(testCredentials.reader);
    expect(first.status).toBe(200);
    await first.body?.cancel();
    const second = await send(testCredentials.reader);
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await second.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('RATE_LIMITED');
    const other = await send(testCredentials.writer);
    expect(other.status).toBe(200);
    await other.body?.cancel();
    // The same bucket over WebSocket: the connection is refused with 4429.
    await expect(subscribeWs(limited.url, WatchSyncEvents, {}, { token: testCredentials.reader })).rejects.toMatchObject({ code: 4429 });
  });
});

describe('subscription caps (their own gateway)', () => {
  let capped: Awaited<ReturnType<typeof startTestGateway>>;
  beforeAll(async () => {
    // The outbox relay has one leader per database, and it sends LOCAL_CHANGE_PUBLISHED to its own
    // sync-events topic: share the first gateway's topics so this one sees those events too.
    const { TOPIC_CATALOG_CHANGES, TOPIC_SYNC_EVENTS, TOPIC_INTEGRATION_INBOUND } = gateway.config;
    capped = await startTestGateway({ TOPIC_CATALOG_CHANGES, TOPIC_SYNC_EVENTS, TOPIC_INTEGRATION_INBOUND, MAX_SUBSCRIPTIONS_PER_CREDENTIAL: '2', MAX_SUBSCRIPTIONS: '3' });
    await capped.syncEventsReady;
  });
  afterAll(() => capped?.stop());

  /**
   * Opens a syncEvents subscription over SSE and returns its first data message: the refusal when
   * the server refused it, otherwise the event of a customer created once the stream is open.
   */
  async function firstMessage(token: string): Promise<string> {
    const abort = new AbortController();
    const response = await fetch(capped.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer(token) },
      body: JSON.stringify({ query: print(WatchSyncEvents) }),
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    void data(capped.url, CreateCustomer, { input: { email: MAIL() } });
    while (!/^data:/m.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    abort.abort();
    return text;
  }

  it("refuses a credential's third open subscription and any beyond the instance cap; a closed one frees its slot", async () => {
    const adminFirst = await subscribeSse(capped.url, WatchSyncEvents, {});
    const adminSecond = await subscribeWs(capped.url, WatchSyncEvents, {});
    expect(await firstMessage(testCredentials.admin)).toContain('TOO_MANY_SUBSCRIPTIONS');
    const other = await subscribeSse(capped.url, WatchSyncEvents, {}, { token: testCredentials.syncReader });
    // Three open: the instance's cap, whoever asks.
    expect(await firstMessage(testCredentials.syncReader)).toContain('TOO_MANY_SUBSCRIPTIONS');
    await adminFirst.close();
    // The server frees the slot when it sees the stream closed.
    const served = await eventually(async () => {
      const message = await firstMessage(testCredentials.admin);
      return message.includes('TOO_MANY_SUBSCRIPTIONS') ? undefined : message;
    }, 10_000, 'the freed slot');
    expect(served).toContain('syncEvents');
    await adminSecond.close();
    await other.close();
  });
});
