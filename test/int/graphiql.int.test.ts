import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { startTestGateway } from '../support/gateway.js';

let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let browser: Browser;
beforeAll(async () => {
  gateway = await startTestGateway();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
});

describe('GraphiQL in a real browser', () => {
  it('loads from the gateway alone (no request leaves the machine) with the syncEvents subscription in its editor', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));

    await page.goto(gateway.url, { waitUntil: 'networkidle' });
    await page.locator('.graphiql-container').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('.graphiql-query-editor').first().innerText()).toContain('syncEvents');

    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/graphiql.png' });

    const external = requested.filter((url) => {
      const { protocol, hostname } = new URL(url);
      return !['data:', 'blob:'].includes(protocol) && !['127.0.0.1', 'localhost'].includes(hostname);
    });
    expect(external).toEqual([]);
    expect(requested.length).toBeGreaterThan(0);
  });
});
