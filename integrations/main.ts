// The integrations process: configuration, start, graceful shutdown. Everything else is in app.ts.
import { parseEnv } from '../core/config/parse-env.js';
import { setLogLevel } from '../core/logger.js';
import { runService } from '../core/process/run-service.js';
import { startIntegrations } from './app.js';
import { integrationsEnv } from './config.js';

await runService(
  'integrations',
  () => {
    const config = parseEnv(integrationsEnv);
    setLogLevel(config.LOG_LEVEL);
    return startIntegrations(config);
  },
  (integrations) => `Integrations: ${integrations.url} (webhooks at ${integrations.url}/webhooks/<integration>)`,
);
