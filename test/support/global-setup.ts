import path from 'node:path';
import net from 'node:net';
import { applyMigrations } from '../../core/db/migrate.js';

const services = [
  { name: 'postgres', port: 5432 },
  { name: 'kafka', port: 9092 },
  { name: 'localstripe', port: 8420 },
  { name: 'stripe-mock', port: 12111 },
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
  const url = process.env.DATABASE_URL ?? 'postgresql://catalog:catalog@localhost:5432/catalog_test';
  await applyMigrations(url, path.resolve('prisma/migrations'));
}
