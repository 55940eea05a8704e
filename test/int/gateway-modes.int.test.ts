import { spawn } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { ListCustomers } from '../graphql/operations.js';
import { testCredentials } from '../support/credentials.js';
import { startTestGateway } from '../support/gateway.js';
import { execute } from '../support/graphql-client.js';

// Production mode (NODE_ENV=production) and development mode (the development key), each on a real
// gateway; the refusal to start is checked on the real process entry.

let running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const gateway of running) await gateway.stop();
  running = [];
});
async function gatewayWith(overrides: Record<string, string>) {
  const gateway = await startTestGateway(overrides);
  running.push(gateway);
  return gateway;
}

const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${testCredentials.admin}`, ...headers }, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
};

describe('production mode', () => {
  it('refuses to start without API_KEYS or JWT settings, and says which variables to set', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: '0', API_KEYS: '', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(output).toMatch(/API_KEYS/);
    expect(output).toMatch(/JWT_SECRET/);
    expect(output).toMatch(/JWT_JWKS_URL/);
  });

  it('serves no GraphiQL, no introspection, no field suggestions, and no localhost CORS', async () => {
    const gateway = await gatewayWith({ NODE_ENV: 'production' });
    const page = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/graphiql/i);

    const introspection = await post(gateway.url, { query: getIntrospectionQuery() });
    expect(introspection.text).not.toContain('__schema":{');
    expect(introspection.text).toMatch(/introspection/i);
    const typeProbe = await post(gateway.url, { query: '{ __type(name: "Customer") { fields { name } } }' });
    expect(typeProbe.text).not.toContain('"fields"');

    const typo = await post(gateway.url, { query: '{ customerz(id: "x") { id } }' });
    expect(typo.text).toContain('Cannot query field');
    expect(typo.text).not.toContain('Did you mean');

    const fromLocalhost = await post(gateway.url, { query: '{ __typename }' }, { origin: 'http://localhost:3000' });
    expect(fromLocalhost.status).toBe(403);
    // Authenticated work goes on as usual.
    expect((await execute(gateway.url, ListCustomers, { first: 1 })).errors).toBeUndefined();
  });

  it('with GRAPHQL_PLAYGROUND=true serves GraphiQL and introspection, without any key in the page', async () => {
    const gateway = await gatewayWith({ NODE_ENV: 'production', GRAPHQL_PLAYGROUND: 'true' });
    const page = await (await fetch(gateway.url, { headers: { accept: 'text/html' } })).text();
    expect(page).toMatch(/graphiql/i);
    expect(page).not.toContain('Bearer');
    expect((await post(gateway.url, { query: getIntrospectionQuery() })).text).toContain('"__schema":{');
  });
});

describe('development mode (no API_KEYS, no JWT settings)', () => {
  it('creates a random development key with every scope in DEV_API_KEY_FILE (0600) and keeps it across restarts', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'dev-key-')), 'nested', 'dev-api-key');
    const first = await gatewayWith({ API_KEYS: '', DEV_API_KEY_FILE: file });
    const token = (await readFile(file, 'utf8')).trim();
    expect(token.length).toBeGreaterThanOrEqual(24);
    expect(first.developmentKey?.token).toBe(token);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await execute(first.url, ListCustomers, { first: 1 }, { token })).errors).toBeUndefined();
    expect((await execute(first.url, ListCustomers, { first: 1 }, { token: testCredentials.admin })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await first.stop();
    running = [];
    const second = await gatewayWith({ API_KEYS: '', DEV_API_KEY_FILE: file });
    expect(second.developmentKey?.token).toBe(token);
  });

  it('puts the key in GraphiQL only for a localhost Host (not for a DNS-rebinding name)', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'dev-key-')), 'dev-api-key');
    const gateway = await gatewayWith({ API_KEYS: '', DEV_API_KEY_FILE: file });
    const token = gateway.developmentKey!.token;
    const pageFor = (host: string) =>
      new Promise<string>((resolve, reject) => {
        const request = http.request(gateway.url, { headers: { host, accept: 'text/html' } }, (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve(body));
        });
        request.on('error', reject);
        request.end();
      });
    const local = await pageFor(`localhost:${new URL(gateway.url).port}`);
    expect(local).toContain(`Bearer ${token}`);
    expect(local).toContain('connectionParams');
    expect(await pageFor('attacker.example')).not.toContain(token);
  });
});
