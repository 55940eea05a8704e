import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WatchSyncEventsSubscription } from '../../generated/graphql/graphql.js';
import { CreateCustomer, WatchSyncEvents } from '../graphql/operations.js';
import { testApiKeys } from '../support/credentials.js';
import { eventually } from '../support/eventually.js';
import { uniqueTopics } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { testStack, uniqueName } from '../support/stack.js';
import { subscribeWs, type Collected } from '../support/subscriptions.js';

// GATEWAY_WORKERS=2: the real process entry (server/main.ts) as the cluster primary of two gateways
// on one port. The primary hands connections to the workers in turn, so of several WebSocket
// subscribers some are served by each worker; every one must see the event, which holds only if
// each worker reads sync.events itself (its own consumer group).

let primary: ChildProcess;
let url: string;
const open: Array<Collected<WatchSyncEventsSubscription>> = [];

beforeAll(async () => {
  primary = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      GATEWAY_WORKERS: '2',
      DATABASE_URL: testStack.databaseUrl,
      KAFKA_BROKERS: testStack.kafkaBrokers.join(','),
      KAFKA_TOPIC_PARTITIONS: '2',
      KAFKA_GROUP_PREFIX: `${uniqueName('test')}-`,
      API_KEYS: testApiKeys,
      API_RATE_LIMIT: '0',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...uniqueTopics(),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /GraphiQL: (\S+) \(2 gateway workers\)/.exec(output);
      if (found) resolve(found[1]!);
    };
    primary.stdout!.on('data', onData);
    primary.stderr!.on('data', onData);
    primary.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${output}`)));
  });
}, 120_000);

afterAll(async () => {
  for (const subscription of open) await subscription.close();
  if (primary && primary.exitCode === null) {
    const exited = new Promise((resolve) => primary.once('exit', resolve));
    primary.kill('SIGTERM');
    await exited;
  }
});

describe('GATEWAY_WORKERS=2', () => {
  it('delivers a sync event to subscribers on every worker', async () => {
    for (let index = 0; index < 6; index += 1) {
      open.push(await subscribeWs(url, WatchSyncEvents, { filter: { types: ['LOCAL_CHANGE_PUBLISHED'] } }));
    }
    // A worker's sync-events consumer joins its group after the worker listens (from the newest
    // offset), so an event published before it joined is not for it: create customers until one is
    // seen by all six. A worker that never reads sync.events fails this.
    const customerIds: string[] = [];
    const everyone = await eventually(
      async () => {
        const created = await data(url, CreateCustomer, { input: { email: `${uniqueName('workers')}@example.com` } });
        if (created.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(created.createCustomer.__typename);
        customerIds.push(created.createCustomer.customer.id);
        await sleep(2_000);
        const id = customerIds.find((candidate) => open.every((subscription) => subscription.items.some((item) => item.syncEvents.customerId === candidate)));
        return id === undefined ? undefined : open.map((subscription) => subscription.items.find((item) => item.syncEvents.customerId === id)!.syncEvents);
      },
      60_000,
      'one event seen by all six subscribers',
    );
    expect(everyone).toHaveLength(6);
    expect(new Set(everyone.map((event) => event.id)).size).toBe(1);
  }, 90_000);
});
