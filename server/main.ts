// The gateway process: configuration, start, graceful shutdown. Everything else is in gateway.ts.
import { ConfigError, parseEnv } from '../core/config/parse-env.js';
import { getLogger, setLogLevel } from '../core/logger.js';
import { gatewayEnv } from './config.js';
import { startGateway } from './gateway.js';

const log = getLogger('gateway.main');

try {
  const config = parseEnv(gatewayEnv);
  setLogLevel(config.LOG_LEVEL);
  const gateway = await startGateway(config);
  console.log(`\n  GraphiQL: ${gateway.url}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took over 15 s; exiting');
      process.exit(1);
    }, 15_000).unref();
    gateway.stop().then(
      () => {
        clearTimeout(force);
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`gateway: ${error.message}`);
  } else {
    log.fatal({ err: error }, 'gateway failed to start');
  }
  process.exit(1);
}
