import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { adapters } from '../../integrations/registry/registry.js';

// Every registered adapter declares its secret config keys (secret() in its config schema, exposed
// on its registry entry), and once the adapter is configured their values never reach a log line.

/** Variables whose names say they hold a credential (not a file or place where one is kept). */
const CREDENTIAL_NAME = /(SECRET|TOKEN|PASSWORD|PRIVATE|API_KEY)(_|$)/;
const LOCATION_NAME = /_(FILE|PATH|URL|DIR)$/;

/** A value each adapter's schema accepts for a secret variable (one line per adapter, where it needs one). */
const SAMPLE_SECRETS: Record<string, Record<string, string>> = {
  stripe: { STRIPE_SECRET_KEY: 'sk_test_unitSecretValue123456', STRIPE_WEBHOOK_SECRET: 'whsec_unitSecretValue123456' },
};

describe('adapter secrets', () => {
  for (const adapter of Object.values(adapters)) {
    it(`${adapter.name}: declares every credential-named variable as secret`, () => {
      const credentials = adapter.envVariables.filter((name) => CREDENTIAL_NAME.test(name) && !LOCATION_NAME.test(name));
      expect(adapter.secretKeys.length).toBeGreaterThan(0);
      expect(credentials.filter((name) => !adapter.secretKeys.includes(name))).toEqual([]);
    });

    it(`${adapter.name}: its secret values are redacted from log lines once it is configured`, async () => {
      const env = SAMPLE_SECRETS[adapter.name];
      expect(env, `add sample secret values for ${adapter.name} to SAMPLE_SECRETS`).toBeDefined();
      expect(Object.keys(env!).sort()).toEqual([...adapter.secretKeys].sort());
      // A real process: pino writes to its own stdout stream, which is what is checked.
      const script = `
        import { adapters } from './integrations/registry/registry.js';
        import { getLogger } from './core/logger.js';
        const env = JSON.parse(process.env.SAMPLE);
        // Configuring makes no remote call: a rate budget that refuses any is enough.
        const services = { rateBudget: (limit) => ({ acquire: () => Promise.reject(new Error('no remote calls here')), rebind() {}, snapshot: () => ({ bucket: limit.bucket }) }) };
        adapters[process.env.ADAPTER].configure(env, services);
        const log = getLogger('test.secrets');
        for (const [name, value] of Object.entries(env)) log.warn({ config: { [name]: value }, url: 'https://x/?k=' + value }, 'value ' + value + ' leaked?');
      `;
      const written = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, SAMPLE: JSON.stringify(env), ADAPTER: adapter.name, LOG_LEVEL: 'info' },
        encoding: 'utf8',
      });
      expect(written).toContain('[redacted]');
      for (const value of Object.values(env!)) expect(written).not.toContain(value);
    });
  }
});
