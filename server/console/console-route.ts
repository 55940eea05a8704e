import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import { getLogger } from '../../core/logger.js';
import type { GatewaySecurity } from '../auth/gateway-security.js';
import { isLocalHostHeader } from '../auth/origins.js';
import { consoleScript, consoleStylesheet } from './console-bundle.js';

const log = getLogger('console');

/** Only these three paths: the page, its script, its stylesheet. */
export function isConsolePath(url: string | undefined): boolean {
  const pathname = (url ?? '').split('?')[0];
  return pathname === '/console' || pathname === '/console/' || pathname === '/console/app.js' || pathname === '/console/console.css';
}

// The page's own files only; the API is same-origin (HTTP and graphql-ws).
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * Serves the sync console (/console). It loads without a key and asks for one; with the development
 * key, and only when asked for by a localhost name (as GraphiQL, server/yoga.ts), the key is
 * prefilled so a DNS-rebinding page cannot read it.
 */
export async function serveConsole(request: http.IncomingMessage, response: http.ServerResponse, security: GatewaySecurity): Promise<void> {
  const pathname = (request.url ?? '').split('?')[0];
  try {
    if (pathname === '/console/app.js') return send(response, 'text/javascript; charset=utf-8', await consoleScript());
    if (pathname === '/console/console.css') return send(response, 'text/css; charset=utf-8', await readFile(consoleStylesheet, 'utf8'));
    const token = security.developmentKey?.token;
    const prefill = token && isLocalHostHeader(request.headers.host ?? null) ? token : undefined;
    return send(response, 'text/html; charset=utf-8', consolePage(prefill), { 'cache-control': 'no-store' });
  } catch (error) {
    log.error({ err: error, path: pathname }, 'console asset failed');
    response.writeHead(500, { 'content-type': 'text/plain' });
    response.end('console unavailable (details in the gateway log)');
  }
}

function send(response: http.ServerResponse, contentType: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(200, { 'content-type': contentType, ...SECURITY_HEADERS, ...headers });
  response.end(body);
}

function consolePage(developmentKey: string | undefined): string {
  const keyMeta = developmentKey ? `\n    <meta name="development-key" content="${escapeAttribute(developmentKey)}">` : '';
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark">${keyMeta}
    <title>Sync console · catalog-gateway</title>
    <link rel="stylesheet" href="/console/console.css">
    <script type="module" src="/console/app.js"></script>
  </head>
  <body>
    <div id="app"><p class="loading">Loading the sync console…</p></div>
  </body>
</html>
`;
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
