import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Stops one service of the native stack (it must have been started by scripts/stack.sh). */
export async function stopService(name: 'kafka' | 'postgres' | 'localstripe' | 'stripe-mock'): Promise<void> {
  const { stdout } = await run('bash', ['scripts/stack.sh', 'stop', name]);
  if (!stdout.includes('stopped')) {
    throw new Error(`could not stop ${name}: ${stdout.trim()} (outage tests need the stack started by npm run stack:up, not docker compose)`);
  }
}

/** Starts whatever is down again and waits until it is ready. */
export async function restartStack(): Promise<void> {
  await run('bash', ['scripts/stack.sh', 'up'], { timeout: 120_000 });
}
