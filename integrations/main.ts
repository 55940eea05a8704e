// The integrations process: configuration, start, graceful shutdown. Everything else is in app.ts.
import { ConfigError, parseEnv } from '../core/config/parse-env.js';
import { getLogger, setLogLevel } from '../core/logger.js';
import { startIntegrations } from './app.js';
import { integrationsEnv } from './config.js';

const log = getLogger('integrations.main');

try {
  const config = parseEnv(integrationsEnv);
  setLogLevel(config.LOG_LEVEL);
  const integrations = await startIntegrations(config);
  console.log(`\n  Integrations: ${integrations.url} (webhooks at ${integrations.url}/webhooks/<integration>)\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), 15_000).unref();
    integrations.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) console.error(`integrations: ${error.message}`);
  else log.fatal({ err: error }, 'integrations failed to start');
  process.exit(1);
}
