import { spawn } from 'node:child_process';

export interface ChildProcessHandle {
  /** What the `ready` pattern's first group captured (e.g. the URL the process printed). */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** How to run an entry: which node binary (BENCH_NODE, else this one), from where, TypeScript or not. */
export interface Runtime {
  node?: string;
  cwd?: string;
  /** false for plain JavaScript (no tsx). */
  typescript?: boolean;
}

/**
 * Starts `node --import tsx <entry>` with extra environment and waits until its output matches
 * `ready`. BENCH_CPU_PROF=<dir> writes a CPU profile of the process (node --cpu-prof) there.
 */
export function startProcess(entry: string, env: Record<string, string>, ready: RegExp, timeoutMs = 60_000, runtime: Runtime = {}): Promise<ChildProcessHandle> {
  const node = runtime.node ?? process.env.BENCH_NODE ?? process.execPath;
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(node, [...profile, ...(runtime.typescript === false ? [] : ['--import', 'tsx']), entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(runtime.cwd ? { cwd: runtime.cwd } : {}),
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} not ready after ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1] ?? '',
          pid: child.pid!,
          stop: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before it was ready:\n${output}`));
    });
  });
}
