// The gateway process: configuration, start, graceful shutdown. Everything else is in gateway.ts.
// GATEWAY_WORKERS above 1: this process is the cluster primary and runs that many gateways on one
// port (server/worker-pool.ts); each worker runs this file again as a single gateway.
import cluster from 'node:cluster';
import { parseEnv } from '../core/config/parse-env.js';
import { setLogLevel } from '../core/logger.js';
import { runService } from '../core/process/run-service.js';
import { gatewayEnv } from './config.js';
import { startGateway } from './gateway.js';
import { reportReady, startWorkerPool, workerCount } from './worker-pool.js';

/** 1 in a worker, and when the configuration is invalid (the single gateway below then says why). */
function workersToRun(): number {
  if (!cluster.isPrimary) return 1;
  try {
    return workerCount(parseEnv(gatewayEnv).GATEWAY_WORKERS);
  } catch {
    return 1;
  }
}

const workers = workersToRun();

if (workers > 1) {
  await runService(
    'gateway',
    () => {
      setLogLevel(parseEnv(gatewayEnv).LOG_LEVEL);
      return startWorkerPool(workers);
    },
    (pool) => `GraphiQL: ${pool.url} (${workers} gateway workers)`,
  );
} else {
  await runService(
    'gateway',
    async () => {
      const config = parseEnv(gatewayEnv);
      setLogLevel(config.LOG_LEVEL);
      const gateway = await startGateway(config);
      reportReady(gateway.url);
      return gateway;
    },
    (gateway) =>
      `GraphiQL: ${gateway.url}` +
      (gateway.developmentKey
        ? `\nDevelopment API key (every scope; in ${gateway.developmentKey.file}, prefilled in GraphiQL): ${gateway.developmentKey.token}`
        : ''),
  );
}
