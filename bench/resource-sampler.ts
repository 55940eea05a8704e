// What each side of a benchmark spends while a workload runs, sampled from /proc (Linux) and
// pg_stat_activity: the CPU of the server under test, of Postgres (the postmaster's children:
// backends, WAL writer, checkpointer...) and of this process (the load generator), as a percentage
// of one core, plus what Postgres's backends were doing (state and wait event) at each sample.
// Hand-written because pidstat (sysstat) is not installed here and no npm library reads both
// /proc/<pid>/stat and pg_stat_activity; it is ~80 lines of reading two sources.
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

const TICKS_PER_SECOND = 100; // USER_HZ (getconf CLK_TCK) on Linux x86-64

/** utime + stime (clock ticks) and the parent pid of one process, or undefined once it is gone. */
function processTicks(pid: number): { ticks: number; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) in parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => processTicks(pid)?.ppid === parent);
}

export interface ResourceSample {
  /** CPU of the server under test, % of one core (its own process; workers' children included). */
  server_cpu_pct: number;
  /** CPU of every Postgres process of the cluster, % of one core. */
  postgres_cpu_pct: number;
  /** CPU of the load generator (this process), % of one core. */
  client_cpu_pct: number;
  /** Average number of the database's backends in each `state/wait_event` (`active/cpu`: running, `active/WALSync`: waiting for the commit's fsync). */
  postgres_backends: Record<string, number>;
}

/** Starts sampling; `stop()` returns the averages over the interval. */
export async function sampleResources(serverPid: number, databaseUrl: string, intervalMs = 250): Promise<{ stop(): Promise<ResourceSample> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const postmaster = processTicks(rows[0]!.pid)!.ppid;
  const database = new URL(databaseUrl).pathname.slice(1);

  const serverPids = () => [serverPid, ...childrenOf(serverPid)];
  const ticksOf = (pids: number[]) => new Map(pids.map((pid) => [pid, processTicks(pid)?.ticks ?? 0]));
  const started = performance.now();
  const serverStart = ticksOf(serverPids());
  const postgresStart = ticksOf(childrenOf(postmaster));
  const clientStart = process.cpuUsage();
  const states = new Map<string, number>();
  let samples = 0;
  let stopped = false;

  const loop = (async () => {
    while (!stopped) {
      const activity = await client.query<{ key: string; count: string }>(
        `SELECT state || '/' || coalesce(wait_event, 'cpu') AS key, count(*) FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid() AND state IS NOT NULL GROUP BY 1`,
        [database],
      );
      for (const row of activity.rows) states.set(row.key, (states.get(row.key) ?? 0) + Number(row.count));
      samples += 1;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })().catch((error: unknown) => {
    // A failed sample ends sampling; the benchmark's own figures still stand.
    console.error(`resource sampling stopped: ${error instanceof Error ? error.message : String(error)}`);
  });

  /** Ticks spent since the start by the processes alive now (processes that started later count from 0). */
  const spent = (start: Map<number, number>, pids: number[]) =>
    pids.reduce((sum, pid) => sum + Math.max(0, (processTicks(pid)?.ticks ?? 0) - (start.get(pid) ?? 0)), 0);
  const pct = (ticks: number, seconds: number) => Math.round((ticks / TICKS_PER_SECOND / seconds) * 1000) / 10;

  return {
    async stop() {
      const seconds = (performance.now() - started) / 1000;
      const server = spent(serverStart, serverPids());
      const postgres = spent(postgresStart, childrenOf(postmaster));
      const clientUsage = process.cpuUsage(clientStart);
      stopped = true;
      await loop;
      await client.end();
      return {
        server_cpu_pct: pct(server, seconds),
        postgres_cpu_pct: pct(postgres, seconds),
        client_cpu_pct: Math.round(((clientUsage.user + clientUsage.system) / 1e6 / seconds) * 1000) / 10,
        postgres_backends: Object.fromEntries(
          [...states].sort((a, b) => b[1] - a[1]).map(([key, count]) => [key, Math.round((count / samples) * 10) / 10]),
        ),
      };
    },
  };
}
