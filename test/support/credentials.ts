import { randomBytes } from 'node:crypto';

// The API keys every test gateway is configured with (API_KEYS), fresh per test run. Test clients
// (graphql-client.ts, subscriptions.ts) send the admin key unless told otherwise, as a user would.

const secret = (name: string) => `${name}_${randomBytes(18).toString('base64url')}`;

export const testCredentials = {
  /** Every scope. */
  admin: secret('admin'),
  /** customers.read only. */
  reader: secret('reader'),
  /** customers.read + customers.write. */
  writer: secret('writer'),
  /** sync.read only. */
  syncReader: secret('syncreader'),
} as const;

/** API_KEYS for startTestGateway: key names are what the audit log and rate limit record. */
export const testApiKeys = [
  `test-admin:${testCredentials.admin}:*`,
  `test-reader:${testCredentials.reader}:customers.read`,
  `test-writer:${testCredentials.writer}:customers.read+customers.write`,
  `test-sync-reader:${testCredentials.syncReader}:sync.read`,
].join(',');

/** Which credential a test client sends: a bearer token (default: the admin key), or null for none. */
export interface CredentialOption {
  token?: string | null;
}

export function authorizationHeader(option: CredentialOption = {}): Record<string, string> {
  const token = option.token === undefined ? testCredentials.admin : option.token;
  return token === null ? {} : { authorization: `Bearer ${token}` };
}
