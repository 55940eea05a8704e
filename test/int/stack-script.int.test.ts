import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('scripts/stack.sh with everything up', () => {
  it('up is a no-op that reports each service as already up', async () => {
    const { stdout } = await run('bash', ['scripts/stack.sh', 'up']);
    for (const service of ['postgres', 'kafka', 'localstripe', 'stripe-mock']) {
      expect(stdout).toMatch(new RegExp(`^${service}\\s+already up on :\\d+$`, 'm'));
    }
    expect(stdout).not.toMatch(/started on|installing|fetching/);
  });

  it('status lists the four services up and exits 0', async () => {
    const { stdout } = await run('bash', ['scripts/stack.sh', 'status']);
    expect(stdout.trim().split('\n').filter((line) => /\bup on :\d+/.test(line))).toHaveLength(4);
  });
});
