import { Command, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { callGateway, clientOptionsFromEnv, GatewayCallError, type GatewayClientOptions } from './gateway-client.js';

// `npm run sync -- <command>`: the operator's CLI. A client of the gateway's GraphQL API only (the
// gateway stays the only writer of the catalog); runs execute inside the processes, so stopping
// the CLI leaves them running (`status` and `runs` show them).

interface Run {
  id: string;
  kind: string;
  integration: string;
  status: string;
  dryRun: boolean;
  pages: number;
  seen: number;
  created: number;
  updated: number;
  linked: number;
  skipped: number;
  failed: number;
  error: string | null;
}

const RUN_FIELDS = 'id kind integration status dryRun pages seen created updated linked skipped failed error';

export async function main(argv: string[], out: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<void> {
  const program = new Command('sync').description('Operate catalog-gateway sync: status, backfill, reconcile, dead letters').exitOverride();
  const client = (): GatewayClientOptions => clientOptionsFromEnv();

  program
    .command('status')
    .description('Per integration: linked, unlinked, SYNCED, RETRYING, FAILED, conflicts, dead letters, catch-up cursor; consumer lag')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const data = await callGateway<{ syncStatus: StatusReport }>(client(), `{ syncStatus { integrations { integration catalog linked unlinked pending synced retrying failed conflicts deadLetters catchUpCursor } consumerLag { group topic lag } } }`);
      if (options.json) return out(JSON.stringify(data.syncStatus, null, 2));
      for (const line of formatStatus(data.syncStatus)) out(line);
    });

  program
    .command('backfill')
    .description('Start a backfill run and follow its progress (Ctrl-C leaves it running)')
    .argument('<integration>', 'e.g. stripe')
    .addOption(new Option('--direction <direction>', 'import, export or both').choices(['import', 'export', 'both']).makeOptionMandatory())
    .option('--since <date>', 'only objects created since this date (ISO 8601): remote ones for import, local ones for export')
    .option('--dry-run', 'count what would happen, change nothing')
    .option('--no-follow', 'start the run(s) and exit')
    .action(async (integration: string, options: { direction: 'import' | 'export' | 'both'; since?: string; dryRun?: boolean; follow: boolean }) => {
      if (options.since && Number.isNaN(Date.parse(options.since))) throw new GatewayCallError(`--since: "${options.since}" is not a date`);
      const kinds = options.direction === 'both' ? ['IMPORT', 'EXPORT'] : [options.direction.toUpperCase()];
      for (const kind of kinds) {
        const input = { kind, integration, dryRun: Boolean(options.dryRun), ...(options.since ? { since: new Date(options.since).toISOString() } : {}) };
        const data = await callGateway<{ startSyncRun: Run }>(client(), `mutation ($input: StartSyncRunInput!) { startSyncRun(input: $input) { ${RUN_FIELDS} } }`, { input });
        out(`started ${data.startSyncRun.kind} run ${data.startSyncRun.id}${input.dryRun ? ' (dry run)' : ''}`);
        if (options.follow) await follow(client(), data.startSyncRun.id, out);
      }
    });

  program
    .command('reconcile')
    .description('Compare every linked pair field by field: drift per field with a sample, orphans on both sides; repair it in a direction')
    .argument('<integration>', 'e.g. stripe')
    .addOption(
      new Option(
        '--repair <direction>',
        'remote: each drifted pair is resynced, so the remote object takes the local values. ' +
          'local: the local customer takes the remote values, applied by the gateway like a live change (merge, conflicts recorded, sync events). ' +
          'latest: per drifted field, the side changed last wins: if only one side departed from the base (the value both last agreed on), that side; ' +
          "if both did, the later of the local row's last commit (updated_at) and the remote object's newest event in Stripe's 30-day event list " +
          '(a tie, or no such event: local)',
      ).choices(['remote', 'local', 'latest']),
    )
    .option(
      '--delete-orphans',
      "remove orphans: a remote customer of a deleted local customer is deleted remotely (its delete never got there); a local customer whose remote customer is gone is unlinked and exported again (never deleted). Remote customers tagged with an unknown local id, or linked to nothing, are only reported: backfill --direction import adopts them",
    )
    .option('--since <date>', 'only remote objects (and links) created since this date (ISO 8601)')
    .option('--dry-run', 'report only, with the plan of --repair and --delete-orphans (what each field and orphan would get)')
    .option('--no-follow', 'start the run and exit')
    .action(async (integration: string, options: { repair?: 'remote' | 'local' | 'latest'; deleteOrphans?: boolean; since?: string; dryRun?: boolean; follow: boolean }) => {
      if (options.since && Number.isNaN(Date.parse(options.since))) throw new GatewayCallError(`--since: "${options.since}" is not a date`);
      const input = {
        kind: 'RECONCILE',
        integration,
        dryRun: Boolean(options.dryRun),
        deleteOrphans: Boolean(options.deleteOrphans),
        ...(options.repair ? { repair: options.repair.toUpperCase() } : {}),
        ...(options.since ? { since: new Date(options.since).toISOString() } : {}),
      };
      const data = await callGateway<{ startSyncRun: Run }>(client(), `mutation ($input: StartSyncRunInput!) { startSyncRun(input: $input) { ${RUN_FIELDS} } }`, { input });
      out(`started reconcile run ${data.startSyncRun.id}${input.dryRun ? ' (dry run)' : ''}`);
      if (!options.follow) return;
      await follow(client(), data.startSyncRun.id, out);
      const { syncRun } = await callGateway<{ syncRun: { report: unknown } | null }>(client(), `query ($id: ID!) { syncRun(id: $id) { report } }`, { id: data.startSyncRun.id });
      out(JSON.stringify(syncRun?.report ?? null, null, 2));
    });

  program
    .command('erase-customer')
    .description("Remove one customer's personal data from every table and tombstone (deletes a live customer first)")
    .argument('<id>', 'the customer id')
    .action(async (id: string) => {
      const data = await callGateway<{ eraseCustomer: boolean }>(client(), `mutation ($id: ID!) { eraseCustomer(id: $id) }`, { id });
      out(data.eraseCustomer ? `erased customer ${id}` : `no customer ${id}`);
    });

  program
    .command('runs')
    .description('Recent backfill runs, newest first')
    .option('--first <n>', 'how many', '10')
    .action(async (options: { first: string }) => {
      const data = await callGateway<{ syncRuns: { edges: Array<{ node: Run }> } }>(client(), `query ($first: Int) { syncRuns(first: $first) { edges { node { ${RUN_FIELDS} } } } }`, { first: Number(options.first) });
      for (const { node } of data.syncRuns.edges) out(runLine(node));
    });

  const deadLetters = program.command('dead-letters').description('Inspect and replay dead-lettered changes');
  deadLetters
    .command('list')
    .description('FAILED pairs whose change was dead-lettered')
    .option('--integration <name>')
    .option('--since <date>')
    .action(async (options: { integration?: string; since?: string }) => {
      const data = await callGateway<{ deadLetters: Array<{ customerId: string; integration: string; remoteId: string | null; error: string | null; attempts: number; failedAt: string }> }>(
        client(),
        `query ($integration: String, $since: DateTime) { deadLetters(integration: $integration, since: $since) { customerId integration remoteId error attempts failedAt } }`,
        { integration: options.integration ?? null, since: options.since ?? null },
      );
      if (data.deadLetters.length === 0) return out('no dead letters');
      for (const letter of data.deadLetters) out(`${letter.failedAt}  ${letter.integration}  ${letter.customerId}  ${letter.remoteId ?? '-'}  attempts ${letter.attempts}  ${letter.error ?? ''}`);
    });
  deadLetters
    .command('replay')
    .description("Re-send each FAILED customer's current state (fix the cause first)")
    .option('--integration <name>')
    .option('--since <date>')
    .action(async (options: { integration?: string; since?: string }) => {
      const data = await callGateway<{ replayDeadLetters: number }>(client(), `mutation ($integration: String, $since: DateTime) { replayDeadLetters(integration: $integration, since: $since) }`, {
        integration: options.integration ?? null,
        since: options.since ?? null,
      });
      out(`replayed ${data.replayDeadLetters}`);
    });

  await program.parseAsync(argv, { from: 'user' });
}

/** Polls the run each second: a bar of objects counted (remote lists have no total) with rate and pages. */
async function follow(client: GatewayClientOptions, id: string, out: (line: string) => void): Promise<Run> {
  const interactive = process.stdout.isTTY === true;
  const bar = new SingleBar(
    { format: ' {kind} |{bar}| {value} seen | {rate}/s | pages {pages} | linked {linked} created {created} updated {updated} skipped {skipped} failed {failed} | {duration_formatted}', hideCursor: true, noTTYOutput: false },
    Presets.shades_classic,
  );
  const started = Date.now();
  let run: Run | null = null;
  if (interactive) bar.start(1, 0);
  for (;;) {
    run = (await callGateway<{ syncRun: Run | null }>(client, `query ($id: ID!) { syncRun(id: $id) { ${RUN_FIELDS} } }`, { id })).syncRun;
    if (!run) throw new GatewayCallError(`run ${id} not found`);
    const rate = Math.round(run.seen / Math.max((Date.now() - started) / 1000, 0.001));
    // A list has no total: the bar's total grows with what was counted, so it shows work, not a share.
    if (interactive) {
      bar.setTotal(Math.max(run.seen, 1));
      bar.update(run.seen, { ...run, rate });
    }
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status)) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  if (interactive) bar.stop();
  out(runLine(run));
  return run;
}

function runLine(run: Run): string {
  return `${run.id}  ${run.kind}${run.dryRun ? ' (dry run)' : ''}  ${run.integration}  ${run.status}  pages ${run.pages}  seen ${run.seen}  linked ${run.linked}  created ${run.created}  updated ${run.updated}  skipped ${run.skipped}  failed ${run.failed}${run.error ? `  error: ${run.error}` : ''}`;
}

interface StatusReport {
  integrations: Array<Record<'linked' | 'unlinked' | 'pending' | 'synced' | 'retrying' | 'failed' | 'conflicts' | 'deadLetters', number> & { integration: string; catalog: string; catchUpCursor: string | null }>;
  consumerLag: Array<{ group: string; topic: string; lag: number }>;
}

export function formatStatus(report: StatusReport): string[] {
  const lines = ['integration  catalog   linked  unlinked  SYNCED  RETRYING  FAILED  conflicts  dead letters  catch-up cursor'];
  for (const row of report.integrations) {
    lines.push(
      [row.integration.padEnd(11), row.catalog.padEnd(8), String(row.linked).padStart(6), String(row.unlinked).padStart(9), String(row.synced).padStart(7), String(row.retrying).padStart(9), String(row.failed).padStart(7), String(row.conflicts).padStart(10), String(row.deadLetters).padStart(13), ` ${row.catchUpCursor ?? '-'}`].join(' '),
    );
  }
  // Columns as wide as the longest name (group names carry KAFKA_GROUP_PREFIX).
  const groupWidth = Math.max('consumer group'.length, ...report.consumerLag.map((lag) => lag.group.length));
  const topicWidth = Math.max('topic'.length, ...report.consumerLag.map((lag) => lag.topic.length));
  lines.push('', `${'consumer group'.padEnd(groupWidth)}  ${'topic'.padEnd(topicWidth)}  lag`);
  for (const lag of report.consumerLag) lines.push(`${lag.group.padEnd(groupWidth)}  ${lag.topic.padEnd(topicWidth)}  ${lag.lag}`);
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if ((error as { code?: string }).code?.startsWith('commander.')) process.exit((error as { exitCode?: number }).exitCode ?? 1);
    process.stderr.write(`sync: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
