import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MIN_API_KEY_SECRET_LENGTH } from './api-keys.js';

/**
 * The development key (no API_KEYS and no JWT settings, outside production): read from `file`, or
 * created there (random, 0600) on first use. The file holds the bearer token alone.
 */
export async function loadOrCreateDevelopmentKey(file: string): Promise<{ token: string; created: boolean }> {
  const existing = await readFile(file, 'utf8').then((text) => text.trim(), () => '');
  if (existing.length >= MIN_API_KEY_SECRET_LENGTH) return { token: existing, created: false };
  const token = `dev_${randomBytes(24).toString('base64url')}`;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return { token, created: true };
}
