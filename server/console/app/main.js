// The sync console: Preact components written with htm (tagged templates, so no JSX build step).
import htm from 'htm';
import { h, render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ACCESS, DASHBOARD, EVENT_TYPES, RESYNC, STREAM, request, wsClient } from './api.js';
import { latencies, percentile } from './latency.js';

const html = htm.bind(h);
const KEY_STORAGE = 'catalog-gateway.console.key';
const STREAM_MINUTES = 15;
const MAX_EVENTS = 500;
const REFRESH_MS = 2_000;
const developmentKey = document.querySelector('meta[name="development-key"]')?.getAttribute('content') ?? '';

const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');
const json = (value) => (value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

function App() {
  const [key, setKey] = useState(() => sessionStorage.getItem(KEY_STORAGE) ?? developmentKey);
  const [access, setAccess] = useState(undefined);
  const [error, setError] = useState('');

  useEffect(() => {
    if (!key) return;
    let cancelled = false;
    request(key, ACCESS)
      .then((data) => !cancelled && (setAccess(data.syncAccess), setError('')))
      .catch((failure) => !cancelled && (setAccess(undefined), setError(failure.message)));
    return () => (cancelled = true);
  }, [key]);

  const connect = useCallback((value) => {
    sessionStorage.setItem(KEY_STORAGE, value);
    setKey(value);
  }, []);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(KEY_STORAGE);
    setAccess(undefined);
    setKey('');
  }, []);

  return html`
    <a class="skip" href="#stream">Skip to the live stream</a>
    <header>
      <h1>Sync console</h1>
      ${access
        ? html`<p class="who">Signed in as <strong>${access.principal}</strong>${access.canResync ? '' : ' (read only)'} <button type="button" onClick=${signOut}>Change key</button></p>`
        : null}
    </header>
    <main>
      ${access ? html`<${Console} key=${key} apiKey=${key} access=${access} />` : html`<${KeyForm} initial=${key} error=${error} onConnect=${connect} />`}
    </main>`;
}

function KeyForm({ initial, error, onConnect }) {
  const [value, setValue] = useState(initial);
  const submit = (event) => {
    event.preventDefault();
    if (value.trim()) onConnect(value.trim());
  };
  return html`
    <form class="key card" onSubmit=${submit}>
      <h2>API key</h2>
      <p>The console uses the gateway's GraphQL API with your key: <code>sync.read</code> to watch, <code>sync.admin</code> to resync.</p>
      <label for="api-key">Key</label>
      <input id="api-key" type="password" autocomplete="off" value=${value} onInput=${(event) => setValue(event.currentTarget.value)} />
      <button type="submit">Connect</button>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    </form>`;
}

function Console({ apiKey, access }) {
  const [dashboard, setDashboard] = useState(undefined);
  const [error, setError] = useState('');
  const [events, setEvents] = useState([]);
  const [filter, setFilter] = useState({ type: '', integration: '', customerId: '' });

  const refresh = useCallback(() => {
    request(apiKey, DASHBOARD)
      .then((data) => (setDashboard(data), setError('')))
      .catch((failure) => setError(failure.message));
  }, [apiKey]);

  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  // One subscription per filter: it opens with the last 15 minutes (since), then goes live.
  useEffect(() => {
    setEvents([]);
    const client = wsClient(apiKey);
    const variables = {
      since: new Date(Date.now() - STREAM_MINUTES * 60_000).toISOString(),
      filter: {
        ...(filter.type ? { types: [filter.type] } : {}),
        ...(filter.integration ? { integration: filter.integration } : {}),
        ...(filter.customerId ? { customerId: filter.customerId } : {}),
      },
    };
    const stop = client.subscribe(
      { query: STREAM, variables },
      {
        next: (result) => {
          const event = result.data?.syncEvents;
          if (event) setEvents((kept) => [event, ...kept].slice(0, MAX_EVENTS));
        },
        error: (failure) => setError(failure?.message ?? 'the live stream closed'),
        complete: () => undefined,
      },
    );
    return () => {
      stop();
      void client.dispose();
    };
  }, [apiKey, filter]);

  return html`
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <div class="grid">
      <${Counts} overview=${dashboard?.syncOverview} />
      <${Latency} events=${events} />
      <${Runs} runs=${dashboard?.syncRuns} />
      <${Problems} apiKey=${apiKey} canResync=${access.canResync} problems=${dashboard?.syncProblems} onResynced=${refresh} />
      <${Conflicts} conflicts=${dashboard?.syncConflicts} />
      <${Stream} events=${events} filter=${filter} onFilter=${setFilter} />
    </div>`;
}

function Counts({ overview }) {
  const rows = overview?.integrations ?? [];
  return html`
    <section class="card" aria-labelledby="counts-title">
      <h2 id="counts-title">Counts</h2>
      <table>
        <thead><tr><th scope="col">Integration</th><th scope="col">Synced</th><th scope="col">Retrying</th><th scope="col">Failed</th><th scope="col">Conflicts</th></tr></thead>
        <tbody>
          ${rows.length === 0 ? html`<tr><td colspan="5" class="empty">Nothing synced yet.</td></tr>` : null}
          ${rows.map(
            (row) => html`<tr key=${row.integration + row.catalog} data-integration=${row.integration}>
              <th scope="row">${row.integration} <small>${row.catalog}</small></th>
              <td class="num synced">${row.synced}</td><td class="num retrying">${row.retrying}</td>
              <td class="num failed">${row.failed}</td><td class="num">${row.conflicts}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
}

function Problems({ apiKey, canResync, problems, onResynced }) {
  const [busy, setBusy] = useState({});
  const [note, setNote] = useState('');
  const resync = async (problem) => {
    setBusy((state) => ({ ...state, [problem.id]: true }));
    try {
      const data = await request(apiKey, RESYNC, { id: problem.entityId, integration: problem.integration });
      const result = data.resyncCustomer;
      setNote(result.__typename === 'ResyncCustomerSuccess' ? `Resync of ${problem.entityId} sent.` : `${result.code}: ${result.message}`);
    } catch (failure) {
      setNote(failure.message);
    } finally {
      setBusy((state) => ({ ...state, [problem.id]: false }));
      onResynced();
    }
  };
  const edges = problems?.edges ?? [];
  return html`
    <section class="card wide" aria-labelledby="problems-title">
      <h2 id="problems-title">Problems <span class="badge">${problems?.totalCount ?? 0}</span></h2>
      <p class="note" aria-live="polite">${note}</p>
      <table>
        <thead><tr><th scope="col">Status</th><th scope="col">Entity</th><th scope="col">Integration</th><th scope="col">Attempts</th><th scope="col">Last error</th>${canResync ? html`<th scope="col"><span class="visually-hidden">Action</span></th>` : null}</tr></thead>
        <tbody>
          ${edges.length === 0 ? html`<tr><td colspan=${canResync ? 6 : 5} class="empty">No FAILED or RETRYING entities.</td></tr>` : null}
          ${edges.map(
            ({ node }) => html`<tr key=${node.id} class="problem" data-entity=${node.entityId} data-status=${node.status}>
              <td><span class=${`status ${node.status.toLowerCase()}`}>${node.status}</span></td>
              <td><code>${node.entityId}</code></td><td>${node.integration}</td><td class="num">${node.attempts}</td>
              <td class="message">${node.lastError ?? '—'}${node.nextAttemptAt ? html` <small>(next try ${time(node.nextAttemptAt)})</small>` : null}</td>
              ${canResync
                ? html`<td><button type="button" class="resync" disabled=${busy[node.id]} onClick=${() => resync(node)} aria-label=${`Resync ${node.entityId} with ${node.integration}`}>Resync</button></td>`
                : null}
            </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
}

function Conflicts({ conflicts }) {
  const edges = conflicts?.edges ?? [];
  return html`
    <section class="card wide" aria-labelledby="conflicts-title">
      <h2 id="conflicts-title">Recent conflicts</h2>
      <table>
        <thead><tr><th scope="col">When</th><th scope="col">Entity</th><th scope="col">Field</th><th scope="col">Local</th><th scope="col">Remote</th><th scope="col">Winner</th><th scope="col">Policy</th></tr></thead>
        <tbody>
          ${edges.length === 0 ? html`<tr><td colspan="7" class="empty">No conflicts.</td></tr>` : null}
          ${edges.map(
            ({ node }) => html`<tr key=${node.id}>
              <td>${time(node.createdAt)}</td><td><code>${node.entityId ?? '—'}</code></td><td>${node.field ?? node.kind}</td>
              <td>${json(node.localValue)}</td><td>${json(node.remoteValue)}</td><td><strong>${node.winner}</strong></td><td>${node.policy}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
}

function Runs({ runs }) {
  const edges = runs?.edges ?? [];
  return html`
    <section class="card" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      ${edges.length === 0 ? html`<p class="empty">No backfill or reconcile runs yet (<code>npm run sync</code>).</p>` : null}
      <ul class="runs">
        ${edges.map(
          ({ node }) => html`<li key=${node.id}>
            <strong>${node.kind}</strong> ${node.integration}${node.dryRun ? ' (dry run)' : ''}: <span class="status">${node.status}</span>
            <br /><small>seen ${node.seen}, created ${node.created}, updated ${node.updated}, linked ${node.linked}, skipped ${node.skipped}, failed ${node.failed}; pages ${node.pages}</small>
          </li>`,
        )}
      </ul>
    </section>`;
}

function Latency({ events }) {
  const minutes = 10;
  const points = useMemo(() => latencies(events, minutes), [events]);
  const width = 320;
  const height = 90;
  const max = Math.max(1_000, ...points.map((point) => point.ms));
  const now = Date.now();
  const x = (at) => ((at - (now - minutes * 60_000)) / (minutes * 60_000)) * width;
  const y = (ms) => height - (ms / max) * (height - 10);
  const p50 = percentile(points.map((point) => point.ms), 50);
  const p99 = percentile(points.map((point) => point.ms), 99);
  const summary = points.length ? `${points.length} syncs in the last ${minutes} minutes: p50 ${p50} ms, p99 ${p99} ms` : `No outbound syncs in the last ${minutes} minutes.`;
  return html`
    <section class="card" aria-labelledby="latency-title">
      <h2 id="latency-title">Sync latency</h2>
      <svg class="chart" viewBox=${`0 0 ${width} ${height}`} role="img" aria-label=${summary}>
        <line class="axis" x1="0" y1=${height - 0.5} x2=${width} y2=${height - 0.5} />
        ${points.map((point) => html`<line class="bar" x1=${x(point.at)} x2=${x(point.at)} y1=${height} y2=${y(point.ms)} />`)}
      </svg>
      <p class="note">${summary}; scale up to ${max} ms.</p>
    </section>`;
}

function Stream({ events, filter, onFilter }) {
  const [draft, setDraft] = useState(filter);
  const apply = (event) => {
    event.preventDefault();
    onFilter({ ...draft });
  };
  const field = (name) => (event) => setDraft({ ...draft, [name]: event.currentTarget.value });
  return html`
    <section class="card wide" id="stream" aria-labelledby="stream-title">
      <h2 id="stream-title">Live stream</h2>
      <form class="filters" onSubmit=${apply}>
        <label>Type <select value=${draft.type} onChange=${field('type')}><option value="">any</option>${EVENT_TYPES.map((type) => html`<option value=${type}>${type}</option>`)}</select></label>
        <label>Integration <input value=${draft.integration} onInput=${field('integration')} placeholder="stripe" /></label>
        <label>Customer <input value=${draft.customerId} onInput=${field('customerId')} placeholder="customer id" size="36" /></label>
        <button type="submit">Filter</button>
      </form>
      <p class="note">Newest first; opens with the last ${STREAM_MINUTES} minutes. ${events.length} events.</p>
      <ol class="events" aria-live="polite" aria-relevant="additions">
        ${events.map(
          (event) => html`<li key=${event.id} class="event" data-type=${event.type} data-customer=${event.customerId ?? ''}>
            <time datetime=${event.occurredAt}>${time(event.occurredAt)}</time>
            <span class=${`type ${event.type.toLowerCase()}`}>${event.type}</span>
            <span>${event.integration ?? ''}</span>
            <code>${event.entityId ?? event.remoteId ?? ''}</code>
            ${event.status ? html`<span class=${`status ${event.status.toLowerCase()}`}>${event.status}</span>` : null}
            ${event.message ? html`<span class="message">${event.message}</span>` : null}
          </li>`,
        )}
      </ol>
    </section>`;
}

const root = document.getElementById('app');
root.replaceChildren(); // the "Loading…" placeholder (render appends to what is there)
render(html`<${App} />`, root);
