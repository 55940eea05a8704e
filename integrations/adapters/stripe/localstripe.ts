import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { redactSecretValues } from '../../../core/logger.js';
import { SYNCED_EVENT_TYPES } from './inbound.js';

/** The emulator's webhook signing secret of this installation: read from `file`, or created there (random, 0600). */
export async function loadOrCreateEmulatorWebhookSecret(file: string): Promise<string> {
  const existing = await readFile(file, 'utf8').then((text) => text.trim(), () => '');
  const secret = existing.startsWith('whsec_') && existing.length >= 30 ? existing : `whsec_${randomBytes(24).toString('base64url')}`;
  redactSecretValues([secret]);
  if (secret === existing) return secret;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * localstripe has no webhook-endpoint API; it takes endpoints at POST /_config/webhooks/<id>.
 * Registering under a fixed id replaces our previous registration instead of adding another.
 */
export async function registerLocalstripeWebhook(apiBase: string, url: string, secret: string, id = 'catalog-gateway'): Promise<void> {
  const body = new URLSearchParams({ url, secret });
  for (const event of SYNCED_EVENT_TYPES) body.append('events[]', event);
  const response = await fetch(new URL(`/_config/webhooks/${encodeURIComponent(id)}`, apiBase), { method: 'POST', body });
  if (!response.ok) throw new Error(`localstripe refused the webhook registration: HTTP ${response.status}`);
}
