import path from 'node:path';
import net from 'node:net';
import { applyMigrations } from '../../core/db/migrate.js';
import { testStack } from './stack.js';

const portOf = (url: string) => Number(new URL(url).port);
const services = [
  { name: 'postgres', port: portOf(testStack.databaseUrl) },
  { name: 'kafka', port: Number(testStack.kafkaBrokers[0]!.split(':')[1]) },
  { name: 'kafka SASL listener', port: Number(testStack.kafkaSaslBrokers[0]!.split(':')[1]) },
  { name: 'localstripe', port: portOf(testStack.localstripeUrl) },
  { name: 'stripe-mock', port: portOf(testStack.stripeMockUrl) },
];

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Runs once before all test files: the stack must be up (npm test starts it) and the test DB migrated. */
export default async function globalSetup(): Promise<void> {
  const down = [];
  for (const service of services) if (!(await reachable(service.port))) down.push(service.name);
  if (down.length > 0) {
    throw new Error(`the local stack is not up (${down.join(', ')} unreachable): run npm run stack:up, or use npm test which starts it`);
  }
  await applyMigrations(testStack.databaseUrl, path.resolve('prisma/migrations'));
}
