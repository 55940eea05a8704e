import { getLogger } from '../../core/logger.js';
import { claimDue } from '../../core/sync/parking.js';
import { createOutboundRunner, type OutboundRunnerOptions } from './outbound-runner.js';

/** Longer than one attempt can take (the remote call's timeout and the pair's lock). */
const LEASE_MS = 60_000;

/**
 * Retries parked pairs when their backoff is due, a few at a time, in every integrations process
 * (claims are leased, so no pair runs twice at once). There is no attempt limit: only a permanent
 * failure stops a pair (FAILED, dead-lettered).
 */
export class RetryScheduler {
  private readonly run;
  private readonly log;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: OutboundRunnerOptions & { intervalMs?: number; batch?: number }) {
    this.run = createOutboundRunner(options);
    this.log = getLogger(`retry.${options.adapter.name}`);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 500);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.pass;
  }

  tick(): Promise<void> {
    this.pass ??= this.retryDue()
      .catch((error: unknown) => this.log.warn({ err: error, integration: this.options.adapter.name }, 'retry pass failed'))
      .finally(() => (this.pass = undefined));
    return this.pass;
  }

  private async retryDue(): Promise<void> {
    const due = await claimDue(this.options.prisma, this.options.adapter.name, this.options.batch ?? 10, LEASE_MS);
    await Promise.all(
      due.map(async ({ change, attempts }) => {
        if (this.stopped) return;
        await this.run(change, { attempts }); // a success unparks the pair in its own transaction
      }),
    );
  }
}
