import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../core/db/prisma.js';
import { CreateCustomer, GetCustomer, ResyncCustomer } from '../graphql/operations.js';
import { launchBrowser } from '../support/browser.js';
import { testCredentials } from '../support/credentials.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data, execute } from '../support/graphql-client.js';
import { startTestIntegrations } from '../support/integrations.js';
import { testStack, uniqueName } from '../support/stack.js';

// The sync console (/console) in Debian's chromium (playwright-core), against a real gateway,
// integrations process, Kafka, Postgres and localstripe. The gateway has API keys (no development
// key), so the console asks for one, as in production.

const topics = uniqueTopics();
const db = createDatabase(testStack.databaseUrl);
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>>;
let browser: Browser;
const consoleUrl = () => new URL('/console', gateway.url).toString();

beforeAll(async () => {
  gateway = await startTestGateway(topics);
  integrations = await startTestIntegrations(topics);
  await gateway.syncEventsReady;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await integrations?.stop();
  await gateway?.stop();
  await db.close();
});

/** Opens the console and signs in with `token` through its key form. */
async function openConsole(token: string, options: { colorScheme?: 'light' | 'dark'; requested?: string[] } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, colorScheme: options.colorScheme ?? 'light' });
  if (options.requested) page.on('request', (request) => options.requested!.push(request.url()));
  await page.goto(consoleUrl(), { waitUntil: 'networkidle' });
  await page.getByLabel('Key').fill(token);
  await page.getByRole('button', { name: 'Connect' }).press('Enter');
  await page.locator('#counts-title').waitFor({ timeout: 15_000 });
  return page;
}

async function create(email: string, metadata?: Record<string, unknown>) {
  const result = await data(gateway.url, CreateCustomer, { input: { email, ...(metadata ? { metadata } : {}) } });
  if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
  return result.createCustomer.customer;
}

// 50 keys of its own plus local_id: over Stripe's 50-key metadata limit, a change Stripe rejects.
const tooManyKeys = () => Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`k${index}`, 'v']));
const syncStatus = async (id: string) => (await data(gateway.url, GetCustomer, { id })).customer?.syncStates[0]?.status;

describe('the sync console in a real browser', () => {
  it('loads from the gateway alone and shows a customer created through GraphQL in the live stream within 2 s', async () => {
    const requested: string[] = [];
    const page = await openConsole(testCredentials.admin, { requested });
    await page.locator('.events').waitFor({ state: 'attached' });
    await page.waitForTimeout(500); // the subscription's connection_init and subscribe go out

    const customer = await create(`${uniqueName('console')}@example.com`);
    await page.locator(`.event[data-customer="${customer.id}"]`).first().waitFor({ timeout: 2_000 });
    // Newest first: the customer's OUTBOUND_SYNCED sits above its LOCAL_CHANGE_PUBLISHED.
    await page.locator(`.event[data-customer="${customer.id}"][data-type="OUTBOUND_SYNCED"]`).waitFor({ timeout: 15_000 });
    const types = await page.locator(`.event[data-customer="${customer.id}"]`).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-type')));
    expect(types.indexOf('OUTBOUND_SYNCED')).toBeLessThan(types.indexOf('LOCAL_CHANGE_PUBLISHED'));

    const external = requested.filter((url) => {
      const { protocol, hostname } = new URL(url);
      return !['data:', 'blob:'].includes(protocol) && !['127.0.0.1', 'localhost'].includes(hostname);
    });
    expect(external).toEqual([]);
    expect(requested.some((url) => url.endsWith('/console/app.js'))).toBe(true);
    await page.close();
  });

  it('lists a customer Stripe rejects under FAILED; its Resync button brings it to SYNCED once the cause is fixed', async () => {
    const page = await openConsole(testCredentials.admin);
    const poison = await create(`${uniqueName('console-poison')}@example.com`, tooManyKeys());
    const row = page.locator(`.problem[data-entity="${poison.id}"][data-status="FAILED"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.locator('.message').innerText()).toMatch(/metadata has 51 keys/);

    // The data is fixed outside the API (as a data migration would), then resynced from the console.
    await db.prisma.customer.update({ where: { id: poison.id }, data: { metadata: { k0: 'v' } } });
    await row.getByRole('button', { name: /Resync/ }).click();
    await eventually(async () => ((await syncStatus(poison.id)) === 'SYNCED' ? true : undefined), 20_000, 'the resynced customer to be SYNCED');
    await page.locator(`.problem[data-entity="${poison.id}"]`).waitFor({ state: 'detached', timeout: 15_000 });
    await page.close();
  });

  it('shows a read-only key no Resync button, and the API refuses it anyway', async () => {
    const poison = await create(`${uniqueName('console-readonly')}@example.com`, tooManyKeys());
    await eventually(async () => ((await syncStatus(poison.id)) === 'FAILED' ? true : undefined), 20_000, 'the customer to be FAILED');
    const page = await openConsole(testCredentials.syncReader);
    await page.locator(`.problem[data-entity="${poison.id}"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator('button.resync').count()).toBe(0);
    expect(await page.locator('.who').innerText()).toContain('read only');
    const refused = await execute(gateway.url, ResyncCustomer, { id: poison.id, integration: 'stripe' }, { token: testCredentials.syncReader });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await page.close();
  });

  it('saves screenshots of the light and the dark theme', async () => {
    await mkdir('test-results', { recursive: true });
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await openConsole(testCredentials.admin, { colorScheme });
      await page.locator('.event').first().waitFor({ timeout: 15_000 });
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe(colorScheme === 'light' ? 'rgb(246, 247, 249)' : 'rgb(13, 17, 23)');
      await page.screenshot({ path: `test-results/console-${colorScheme}.png`, fullPage: true });
      await page.close();
    }
  });
});

/** GET with a chosen Host header (fetch does not let a caller set it). */
function getWithHost(url: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { host } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('the console with the development key', () => {
  it('is prefilled with the key only when asked for by a localhost name', async () => {
    const devKeyFile = path.join(await mkdtemp(path.join(tmpdir(), 'console-')), 'dev-api-key');
    await writeFile(devKeyFile, testCredentials.admin);
    const development = await startTestGateway({ ...uniqueTopics(), API_KEYS: '', DEV_API_KEY_FILE: devKeyFile });
    try {
      const url = new URL('/console', development.url).toString();
      const port = new URL(development.url).port;
      expect(await getWithHost(url, `localhost:${port}`)).toContain(`<meta name="development-key" content="${testCredentials.admin}">`);
      expect(await getWithHost(url, `rebound.example:${port}`)).not.toContain('development-key');
      const page = await browser.newPage();
      await page.goto(`http://localhost:${port}/console`, { waitUntil: 'networkidle' });
      await page.locator('#counts-title').waitFor({ timeout: 15_000 });
      expect(await page.locator('.who').innerText()).toContain('Signed in as');
      await page.close();
    } finally {
      await development.stop();
    }
  });
});
