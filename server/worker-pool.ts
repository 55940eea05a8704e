import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import { getLogger } from '../core/logger.js';

const log = getLogger('gateway.workers');

/** GATEWAY_WORKERS as a number: `auto` is the number of cores this process may use. */
export function workerCount(setting: number | 'auto'): number {
  return setting === 'auto' ? os.availableParallelism() : setting;
}

/** What a worker tells the primary once it listens. */
interface ReadyMessage {
  gatewayReady: string;
}

export interface WorkerPool {
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs `count` gateway processes on one port with Node's cluster module (the primary accepts and
 * hands connections round-robin; WebSockets stay with the worker that accepted them). Each worker
 * is a whole gateway: its own pool, its own syncEvents consumer (so every worker streams every
 * event), the outbox relay (one leader among them by advisory lock). A worker that dies is
 * replaced. Resolves once every worker listens.
 */
export function startWorkerPool(count: number): Promise<WorkerPool> {
  let stopping = false;
  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      log.error({ pid: worker.process.pid, code, signal }, 'gateway worker exited; starting another');
      fork();
    });
    return worker;
  };
  return new Promise((resolve, reject) => {
    let ready = 0;
    const onReady = (message: unknown) => {
      if (!isReady(message)) return;
      ready += 1;
      if (ready === count) {
        log.info({ workers: count, url: message.gatewayReady }, 'gateway workers listening');
        resolve({
          url: message.gatewayReady,
          async stop() {
            stopping = true;
            await Promise.all(
              Object.values(cluster.workers ?? {}).map(
                (each) =>
                  new Promise<void>((done) => {
                    if (!each || each.isDead()) return done();
                    each.once('exit', () => done());
                    each.process.kill('SIGTERM');
                  }),
              ),
            );
          },
        });
      }
    };
    for (let index = 0; index < count; index += 1) {
      const worker = fork();
      worker.on('message', onReady);
      worker.once('exit', (code) => {
        if (ready < count) reject(new Error(`gateway worker ${worker.process.pid} exited with ${code} before it listened`));
      });
    }
  });
}

/** In a worker: tells the primary this gateway listens at `url`. */
export function reportReady(url: string): void {
  if (cluster.isWorker) process.send?.({ gatewayReady: url } satisfies ReadyMessage);
}

function isReady(message: unknown): message is ReadyMessage {
  return typeof message === 'object' && message !== null && typeof (message as ReadyMessage).gatewayReady === 'string';
}
