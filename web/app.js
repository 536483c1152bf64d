// The Tributary dashboard: streams and views in the sidebar, the selected view's window aggregates
// (a snapshot from `viewAggregates`, then kept live by the `viewUpdates` subscription), its lineage
// and its stream's quarantine. Every API failure is shown on the page, next to what it affects.

import { AggregatesTable } from './aggregates-table.js';
import { apiKey, setApiKey, takeKeyFromAddress } from './credentials.js';
import { describeWindow, renderProgress, renderStreams, renderViews } from './catalog-panel.js';
import { h, replaceChildren, setText } from './dom.js';
import { formatMeasure, formatTime, parseDuration } from './format.js';
import { GRAPHQL_PATH, request } from './graphql-http.js';
import { LiveConnection } from './graphql-ws.js';
import { renderLineage } from './lineage-panel.js';
import { LINEAGE, QUARANTINE, STREAMS, VIEW_AGGREGATES, VIEW_UPDATES, VIEWS } from './operations.js';
import { QUARANTINE_LIMIT, renderQuarantine } from './quarantine-panel.js';

const CATALOG_REFRESH_MS = 2_000;
const LINEAGE_REFRESH_MS = 15_000;
/** How many of the latest windows (or hops, for hopping views) the first load asks for. */
const RECENT_WINDOWS = 24;
const PAGE_SIZE = 1_000;

const $ = (id) => document.getElementById(id);

const state = {
  streams: [],
  views: [],
  view: null,
  stream: null,
  quarantineShown: null,
  unsubscribe: null,
  /** Bumped on every selection, so answers for a view no longer selected are dropped. */
  generation: 0,
};

takeKeyFromAddress();

const live = new LiveConnection(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${GRAPHQL_PATH}`, { onStatus: renderLiveStatus });
const table = new AggregatesTable($('aggregates'), {
  onChange: ({ rows, windows }) => setText($('aggregates-summary'), rows ? `${rows} rows · ${windows} windows · updated ${formatTime(new Date())}` : ''),
});

// ---- errors -------------------------------------------------------------------------------

/** Shows `error` in `container` under `title`; `showProblem(container)` clears it. */
function showProblem(container, title, error) {
  if (!error) {
    container.replaceChildren();
    return;
  }
  replaceChildren(
    container,
    h(
      'div',
      { class: 'error-box', role: 'alert' },
      h('strong', {}, title),
      h('span', { class: 'error-message' }, error.code === 'UNAUTHENTICATED' ? `${error.message} Paste an API key in the box at the top.` : error.message),
      error.code && h('code', { class: 'error-code' }, error.code),
    ),
  );
}

// ---- the catalog: streams and views --------------------------------------------------------

let refreshing = false;
async function refreshCatalog() {
  if (refreshing) return;
  refreshing = true;
  try {
    const [{ streams }, { views }] = await Promise.all([request(STREAMS), request(VIEWS)]);
    showProblem($('banner'));
    state.streams = streams;
    state.views = [...views].sort((a, b) => a.name.localeCompare(b.name));
    renderCatalog();
  } catch (error) {
    showProblem($('banner'), 'Could not load streams and views.', error);
  } finally {
    refreshing = false;
  }
}

function renderCatalog() {
  const { streams, views } = state;
  renderStreams($('stream-list'), streams, state.stream, selectStream);
  renderViews($('view-list'), views, state.view?.name, selectView);
  setText($('streams-count'), String(streams.length));
  setText($('views-count'), String(views.length));
  $('streams-empty').hidden = streams.length > 0;
  $('views-empty').hidden = views.length > 0;
  $('welcome').hidden = views.length > 0;

  const wanted = new URLSearchParams(location.hash.slice(1)).get('view');
  const selected = views.find((v) => v.name === (state.view?.name ?? wanted)) ?? (state.view ? null : views[0]);
  if (selected && selected.name !== state.view?.name) selectView(selected.name);
  else if (selected) {
    state.view = selected;
    renderProgress($('view-stats'), selected.progress);
  }
  const stream = streams.find((s) => s.name === state.stream);
  if (stream && stream.quarantinedCount !== state.quarantineShown) loadQuarantine();
}

// ---- selection -----------------------------------------------------------------------------

function selectView(name) {
  const view = state.views.find((v) => v.name === name);
  if (!view) return;
  const generation = ++state.generation;
  state.view = view;
  history.replaceState(null, '', `#view=${encodeURIComponent(name)}`);
  renderViewDetail(view);
  renderViews($('view-list'), state.views, name, selectView);

  state.unsubscribe?.();
  table.reset(view);
  showProblem($('aggregates-error'));
  state.unsubscribe = live.subscribe(VIEW_UPDATES, { view: name }, {
    next: (result) => {
      if (generation !== state.generation) return;
      if (result.errors?.length) showProblem($('aggregates-error'), 'A live update failed.', { message: result.errors.map((e) => e.message).join('; '), code: result.errors[0].extensions?.code });
      if (result.data?.viewUpdates) table.merge([result.data.viewUpdates]);
    },
    error: (error) => generation === state.generation && showProblem($('aggregates-error'), 'Live updates stopped.', error),
    // After a reconnect, updates sent while the socket was down are missing: reload the snapshot.
    started: (restart) => restart && loadSnapshot(view, generation),
  });
  loadSnapshot(view, generation);
  loadLineage();
  selectStream(view.stream);
}

function selectStream(name) {
  state.stream = name;
  state.quarantineShown = null;
  renderStreams($('stream-list'), state.streams, name, selectStream);
  setText($('quarantine-stream'), name ? `· ${name}` : '');
  $('quarantine').replaceChildren();
  loadQuarantine();
}

function renderViewDetail(view) {
  for (const id of ['view-detail', 'aggregates-card', 'panels']) $(id).hidden = false;
  setText($('view-name'), view.name);
  setText($('view-description'), view.description || `Windowed aggregates of ${view.stream}`);
  setText($('view-stream'), view.stream);
  setText($('view-window'), describeWindow(view));
  setText($('view-group-by'), view.groupBy.length ? view.groupBy.join(', ') : '(no grouping)');
  replaceChildren(
    $('view-measures'),
    view.measures.map((m) => h('li', { class: 'chip' }, h('span', { class: 'chip-name' }, m.name), h('span', { class: 'chip-fn' }, formatMeasure(m)))),
  );
  renderProgress($('view-stats'), view.progress);
}

// ---- loading the selected view's data ------------------------------------------------------

/**
 * The latest windows of `view`: rows are returned oldest first, so ask from a start time a few
 * windows before the watermark (or now, before the first event) and page forward from there.
 */
async function loadSnapshot(view, generation) {
  const step = parseDuration(view.hop ?? view.window) ?? 60_000;
  const windowMs = parseDuration(view.window) ?? step;
  const anchor = view.progress?.watermark ? Date.parse(view.progress.watermark) : Date.now();
  let from = new Date(anchor - windowMs - RECENT_WINDOWS * step).toISOString();
  try {
    for (let page = 0; page < 5; page += 1) {
      const { viewAggregates: rows } = await request(VIEW_AGGREGATES, { view: view.name, from, limit: PAGE_SIZE });
      if (generation !== state.generation) return;
      table.merge(rows, { highlight: false, immediate: true });
      const last = rows.at(-1);
      if (rows.length < PAGE_SIZE || !last || last.windowStart === from) break;
      from = last.windowStart;
    }
    showProblem($('aggregates-error'));
  } catch (error) {
    if (generation === state.generation) showProblem($('aggregates-error'), `Could not load the aggregates of ${view.name}.`, error);
  }
}

async function loadLineage() {
  const view = state.view;
  if (!view) return;
  try {
    const { lineage } = await request(LINEAGE, { node: `view:${view.name}`, direction: 'UPSTREAM', depth: 3 });
    if (view.name !== state.view?.name) return;
    showProblem($('lineage-error'));
    renderLineage($('lineage'), lineage, view.name);
  } catch (error) {
    if (view.name === state.view?.name) showProblem($('lineage-error'), `Could not load the lineage of ${view.name}.`, error);
  }
}

async function loadQuarantine() {
  const name = state.stream;
  if (!name) return;
  const count = state.streams.find((s) => s.name === name)?.quarantinedCount ?? null;
  state.quarantineShown = count;
  try {
    const { quarantine } = await request(QUARANTINE, { stream: name, limit: QUARANTINE_LIMIT });
    if (name !== state.stream) return;
    showProblem($('quarantine-error'));
    setText($('quarantine-summary'), count ? `latest ${Math.min(count, QUARANTINE_LIMIT)} of ${count} rejected` : '');
    renderQuarantine($('quarantine'), quarantine, name);
  } catch (error) {
    if (name !== state.stream) return;
    state.quarantineShown = null; // try again on the next refresh
    showProblem($('quarantine-error'), `Could not load the quarantine of ${name}.`, error);
  }
}

// ---- the live connection's status ----------------------------------------------------------

let countdown = null;
function renderLiveStatus(status) {
  const pill = $('live-status');
  pill.dataset.state = status.state;
  clearInterval(countdown);
  $('retry-now').hidden = status.state !== 'reconnecting';
  const label = pill.querySelector('.label');
  switch (status.state) {
    case 'live':
      setText(label, 'Live');
      break;
    case 'connecting':
      setText(label, status.attempt ? 'Reconnecting…' : 'Connecting…');
      break;
    case 'reconnecting': {
      const until = Date.now() + status.retryInMs;
      const tick = () => setText(label, `Reconnecting in ${Math.max(0, Math.ceil((until - Date.now()) / 1000))}s (${status.reason})`);
      tick();
      countdown = setInterval(tick, 1_000);
      break;
    }
    case 'failed':
      setText(label, `Live updates refused: ${status.reason}`);
      break;
    default:
      setText(label, 'Live updates off');
  }
}

// ---- start ---------------------------------------------------------------------------------

setText($('endpoint'), `${location.host}${GRAPHQL_PATH}`);
$('retry-now').addEventListener('click', () => live.reconnectNow());
window.addEventListener('hashchange', () => {
  const wanted = new URLSearchParams(location.hash.slice(1)).get('view');
  if (wanted && wanted !== state.view?.name) selectView(wanted);
});
refreshCatalog();
setInterval(refreshCatalog, CATALOG_REFRESH_MS);
setInterval(loadLineage, LINEAGE_REFRESH_MS);

// ---- the API key ----------------------------------------------------------------------------

$('key-input').value = apiKey();
// A key pasted into the address of an open dashboard (…/#key=trb_…) takes effect at once.
window.addEventListener('hashchange', () => {
  if (!/(?:^#|&)key=/.test(location.hash)) return;
  takeKeyFromAddress();
  location.reload();
});
$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  setApiKey($('key-input').value.trim());
  // Everything (requests, the live connection, its subscriptions) starts again with the new key.
  location.reload();
});
