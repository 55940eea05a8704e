// npm run dev (after the stack is up and migrated): runs the product's processes in the foreground,
// each line prefixed with its name; Ctrl-C (or SIGTERM) stops them gracefully.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

const processes = [
  { name: 'gateway', entry: 'server/main.ts' },
  { name: 'integrations', entry: 'integrations/main.ts' },
];

const children: ChildProcess[] = [];
let stopping = false;

for (const { name, entry } of processes) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  children.push(child);
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream! }).on('line', (line) => console.log(`${name.padEnd(12)}| ${line}`));
  }
  child.on('exit', (code, signal) => {
    console.log(`${name.padEnd(12)}| exited (${signal ?? code})`);
    if (!stopping) stop(code ?? 1);
  });
}

function stop(exitCode = 0): void {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null))).then(() =>
    process.exit(exitCode),
  );
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
