import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';

// A gateway or integrations process as a separate child process (`node --import tsx <entry>`), as
// it runs in production, so fault tests can kill -9 it. Its output is kept for failure messages,
// and written whole to test-results/children/<kind>-<pid>.log for a failure found after the fact.

export interface ChildService {
  /** What the ready line printed (the process's URL). */
  url: string;
  pid: number;
  /** Output so far (stdout and stderr), for a failing test's message. */
  output(): string;
  /** SIGKILL: no shutdown hook runs, in-flight work is cut off. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for a graceful exit. */
  stop(): Promise<void>;
}

const entries = {
  gateway: { entry: 'server/main.ts', ready: /GraphiQL: (\S+)/ },
  integrations: { entry: 'integrations/main.ts', ready: /Integrations: (\S+)/ },
} as const;

export function startChildService(kind: keyof typeof entries, env: Record<string, string>, timeoutMs = 60_000): Promise<ChildService> {
  const { entry, ready } = entries[kind];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  mkdirSync('test-results/children', { recursive: true });
  const logFile = createWriteStream(`test-results/children/${kind}-${child.pid}.log`);
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    logFile.end();
    resolve();
  }));
  const stopWith = async (signal: NodeJS.Signals) => {
    if (!exited) child.kill(signal);
    await exit;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} not ready after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      logFile.write(chunk);
      output = (output + chunk.toString()).slice(-200_000);
      const match = ready.exec(output);
      if (match && timer) {
        clearTimeout(timer);
        resolve({ url: match[1]!, pid: child.pid!, output: () => output, kill9: () => stopWith('SIGKILL'), stop: () => stopWith('SIGTERM') });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited before it was ready:\n${output}`));
    });
  });
}
