// The gateway process: configuration, start, graceful shutdown. Everything else is in gateway.ts.
import { parseEnv } from '../core/config/parse-env.js';
import { setLogLevel } from '../core/logger.js';
import { runService } from '../core/process/run-service.js';
import { gatewayEnv } from './config.js';
import { startGateway } from './gateway.js';

await runService(
  'gateway',
  () => {
    const config = parseEnv(gatewayEnv);
    setLogLevel(config.LOG_LEVEL);
    return startGateway(config);
  },
  (gateway) =>
    `GraphiQL: ${gateway.url}` +
    (gateway.developmentKey
      ? `\nDevelopment API key (every scope; in ${gateway.developmentKey.file}, prefilled in GraphiQL): ${gateway.developmentKey.token}`
      : ''),
);
