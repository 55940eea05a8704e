import { ConfigError } from '../config/parse-env.js';
import { getLogger } from '../logger.js';

/**
 * The life of a process: start it, print where it is, stop it gracefully on SIGTERM/SIGINT (and
 * exit 1 if that takes over 15 s). A configuration error is printed plainly, naming the variables.
 */
export async function runService<Running extends { stop(): Promise<void> }>(
  name: string,
  start: () => Promise<Running>,
  banner: (running: Running) => string,
): Promise<void> {
  const log = getLogger(`${name}.main`);
  let running: Running;
  try {
    running = await start();
  } catch (error) {
    if (error instanceof ConfigError) console.error(`${name}: ${error.message}`);
    else log.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  }
  console.log(`\n  ${banner(running)}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error('shutdown took over 15 s; exiting');
      process.exit(1);
    }, 15_000).unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
