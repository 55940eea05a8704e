import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateCustomer } from '../graphql/operations.js';
import { launchBrowser } from '../support/browser.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { testCredentials } from '../support/credentials.js';
import { data } from '../support/graphql-client.js';
import { startTestIntegrations } from '../support/integrations.js';
import { uniqueName } from '../support/stack.js';

// GraphiQL in Debian's chromium (playwright-core): served by the gateway alone, and showing live
// sync through its default syncEvents subscription over WebSocket. The gateway runs as `npm run dev`
// does, with a development key (no API_KEYS): GraphiQL opens with it in its headers and its
// WebSocket connectionParams, and the browser sends nothing else.

const topics = uniqueTopics();
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>>;
let browser: Browser;
beforeAll(async () => {
  // The development key file, holding the test admin token so this test's own client can use it too.
  const devKeyFile = path.join(await mkdtemp(path.join(tmpdir(), 'graphiql-')), 'dev-api-key');
  await writeFile(devKeyFile, testCredentials.admin);
  gateway = await startTestGateway({ ...topics, API_KEYS: '', DEV_API_KEY_FILE: devKeyFile });
  if (gateway.developmentKey?.token !== testCredentials.admin) throw new Error('the gateway did not use the development key');
  integrations = await startTestIntegrations(topics);
  await gateway.syncEventsReady;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await integrations?.stop();
  await gateway?.stop();
});

/** Records every text the response pane shows (a subscription replaces it with each event). */
async function recordResponses(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seenResponses: string[] }).seenResponses = seen;
    const pane = document.querySelector('.graphiql-response') ?? document.body;
    new MutationObserver(() => seen.push(pane.textContent ?? '')).observe(pane, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { seenResponses: string[] }).seenResponses);
}

describe('GraphiQL in a real browser', () => {
  it('loads from the gateway alone (no request leaves the machine) with the syncEvents subscription in its editor', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));

    await page.goto(gateway.url, { waitUntil: 'load' });
    await page.locator('.graphiql-container').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('.graphiql-query-editor').first().innerText()).toContain('syncEvents');
    // GraphiQL has rendered, so whatever its page and scripts load has been requested. Waiting for
    // the network to go quiet as well catches a late request; under load the page has been seen to
    // keep one open past 30 s, so that wait is bounded and not a failure of its own.
    await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => undefined);
    // The development key is in the headers editor (the page itself needed no key).
    expect(await page.content()).toContain(`Bearer ${testCredentials.admin}`);

    const external = requested.filter((url) => {
      const { protocol, hostname } = new URL(url);
      return !['data:', 'blob:'].includes(protocol) && !['127.0.0.1', 'localhost'].includes(hostname);
    });
    expect(external).toEqual([]);
    expect(requested.length).toBeGreaterThan(0);
    await page.close();
  }, 60_000);

  it('runs the subscription and shows LOCAL_CHANGE_PUBLISHED and OUTBOUND_SYNCED for a new customer', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // What GraphiQL's WebSocket receives, in order: the pane shows one event at a time, and when two
    // arrive in the same tick React renders only the second, so the order is checked on the wire.
    const frames: string[] = [];
    page.on('websocket', (socket) => socket.on('framereceived', (frame) => frames.push(String(frame.payload))));
    // 'load', not 'networkidle': this page keeps a request open at times (seen timing out at 30 s),
    // and what the test needs is GraphiQL's editor and button, waited for below.
    await page.goto(gateway.url, { waitUntil: 'load' });
    await page.locator('.graphiql-container').first().waitFor({ timeout: 20_000 });
    const responses = await recordResponses(page);
    const run = page.locator('.graphiql-execute-button').first();
    await run.waitFor({ state: 'visible', timeout: 10_000 });
    await run.click({ timeout: 10_000 });
    // The subscription is running once the gateway counts it (a customer created before that would
    // have its events go by unseen).
    await eventually(async () => ((await openSubscriptions()) >= 1 ? true : undefined), 20_000, 'GraphiQL\'s subscription to be open');

    const created = await data(gateway.url, CreateCustomer, { input: { email: `${uniqueName('browser')}@example.com` } });
    if (created.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(created.createCustomer.__typename);
    const id = created.createCustomer.customer.id;

    const types = ['LOCAL_CHANGE_PUBLISHED', 'OUTBOUND_SYNCED'];
    const received = await eventually(async () => {
      const forCustomer = frames.filter((frame) => frame.includes(id));
      return types.every((type) => forCustomer.some((frame) => frame.includes(type))) ? forCustomer : undefined;
    }, 20_000, `both events on GraphiQL's WebSocket (frames so far: ${frames.length})`);
    const firstPublished = received.findIndex((frame) => frame.includes('LOCAL_CHANGE_PUBLISHED'));
    const firstSynced = received.findIndex((frame) => frame.includes('OUTBOUND_SYNCED'));
    expect(firstPublished).toBeLessThan(firstSynced);
    // And the result pane shows them (the first may be replaced by the second in the same render).
    // (Later events of this customer, such as its customer.created webhook's, may follow it.)
    await eventually(async () => ((await responses()).some((text) => text.includes(id) && text.includes('OUTBOUND_SYNCED')) ? true : undefined), 10_000, 'OUTBOUND_SYNCED in the GraphiQL result pane');

    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/graphiql-sync-events.png' });
    await page.close();
  }, 60_000); // a real browser on a 2-core machine: loading GraphiQL alone can take seconds
});

/** The gateway's open subscriptions, from its Prometheus metrics. */
async function openSubscriptions(): Promise<number> {
  const text = await (await fetch(new URL('/metrics', gateway.url))).text();
  const line = text.split('\n').find((entry) => entry.startsWith('catalog_open_subscriptions '));
  return line ? Number(line.split(' ')[1]) : 0;
}
