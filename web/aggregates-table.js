// The selected view's window rows as a table. Rows are keyed by view + window start + group key and
// updated in place (a higher revision replaces a lower one), newest window first; a row that
// changes is briefly highlighted. Updates are applied in batches so a busy view stays smooth.

import { flash, h, replaceChildren, setText } from './dom.js';
import { formatKeyValue, formatMeasure, formatNumber, formatTime, stableStringify } from './format.js';

/** Rows kept on screen; the oldest windows go first. */
export const MAX_ROWS = 400;
const FLUSH_MS = 100;

export class AggregatesTable {
  #view = null;
  #table;
  #tbody;
  #empty;
  #entries = new Map();
  #pending = new Map();
  #flushTimer = null;
  #onChange;

  /** @param {HTMLElement} container  receives the table and its empty-state message */
  constructor(container, { onChange = () => {} } = {}) {
    this.#onChange = onChange;
    this.#tbody = h('tbody');
    this.#table = h('table', { class: 'data-table aggregates', id: 'aggregates-table' }, h('thead'), this.#tbody);
    this.#empty = h('p', { class: 'empty-state', id: 'aggregates-empty' }, 'No windows yet. Rows appear here as soon as the view has aggregated events.');
    replaceChildren(container, h('div', { class: 'table-scroll' }, this.#table), this.#empty);
    this.reset(null);
  }

  /** Shows the columns of `view` (or nothing) and forgets every row. */
  reset(view) {
    this.#view = view;
    this.#entries.clear();
    this.#pending.clear();
    clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    this.#tbody.replaceChildren();
    const head = this.#table.tHead;
    head.replaceChildren();
    if (view) {
      head.append(
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Window start'),
          h('th', { scope: 'col' }, 'Window end'),
          view.groupBy.map((field) => h('th', { scope: 'col', class: 'key-col' }, field)),
          view.measures.map((m) => h('th', { scope: 'col', class: 'num', title: formatMeasure(m) }, m.name, h('span', { class: 'fn' }, m.fn.toLowerCase()))),
          h('th', { scope: 'col', class: 'num' }, 'Events'),
          h('th', { scope: 'col', class: 'status-col' }, 'Status'),
        ),
      );
    }
    this.#changed();
  }

  /** Adds or replaces rows; `highlight` marks those that changed (not wanted for the first load). */
  merge(rows, { highlight = true, immediate = false } = {}) {
    if (!this.#view) return;
    for (const row of rows) {
      if (row.view !== this.#view.name) continue;
      const key = rowKey(row);
      const queued = this.#pending.get(key);
      if (!queued || supersedes(row, queued.row)) this.#pending.set(key, { row, highlight });
    }
    if (immediate) this.#flush();
    else this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  get rowCount() {
    return this.#entries.size;
  }

  #flush() {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    let inserted = false;
    for (const [key, { row, highlight }] of this.#pending) {
      let entry = this.#entries.get(key);
      if (entry && !supersedes(row, entry.row)) continue;
      if (row.retracted) {
        // A session window absorbed into another: its row is no longer the view's.
        entry?.element.remove();
        this.#entries.delete(key);
        continue;
      }
      if (!entry) {
        entry = { row, startMs: Date.parse(row.windowStart), keyText: keyText(row.key, this.#view), element: this.#createRow(key) };
        this.#entries.set(key, entry);
        inserted = true;
      }
      entry.row = row;
      this.#fillRow(entry);
      if (highlight) flash(entry.element);
    }
    this.#pending.clear();
    if (inserted) this.#reorder();
    this.#changed();
  }

  /** Newest window first, then by group key; drops the oldest rows past MAX_ROWS. */
  #reorder() {
    const ordered = [...this.#entries.values()].sort((a, b) => b.startMs - a.startMs || a.keyText.localeCompare(b.keyText));
    for (const stale of ordered.splice(MAX_ROWS)) {
      stale.element.remove();
      this.#entries.delete(stale.element.dataset.row);
    }
    let expected = this.#tbody.firstElementChild;
    let previousStart = null;
    for (const entry of ordered) {
      entry.element.classList.toggle('window-first', entry.startMs !== previousStart);
      previousStart = entry.startMs;
      if (entry.element !== expected) this.#tbody.insertBefore(entry.element, expected);
      else expected = expected.nextElementSibling;
    }
  }

  #createRow(key) {
    const view = this.#view;
    const cell = (col, className) => h('td', { class: className, dataset: { col } });
    return h(
      'tr',
      { dataset: { row: key } },
      cell('windowStart', 'time'),
      cell('windowEnd', 'time'),
      view.groupBy.map((field) => cell(`key:${field}`, 'key-col')),
      view.measures.map((m) => cell(`measure:${m.name}`, 'num')),
      cell('eventCount', 'num'),
      cell('status', 'status-col'),
    );
  }

  #fillRow({ row, element }) {
    const cells = element.cells;
    let i = 0;
    const next = () => cells[i++];
    element.dataset.windowStart = row.windowStart;
    element.dataset.final = String(row.final);
    element.dataset.revision = String(row.revision);
    timeCell(next(), row.windowStart);
    timeCell(next(), row.windowEnd);
    for (const field of this.#view.groupBy) setText(next(), formatKeyValue(row.key?.[field]));
    for (const m of this.#view.measures) setText(next(), formatNumber(row.values?.[m.name] ?? null));
    setText(next(), formatNumber(row.eventCount));
    const status = next();
    const label = row.final ? 'final' : 'open';
    if (status.textContent !== label) {
      replaceChildren(status, h('span', { class: `badge badge-${label}`, title: row.final ? 'The watermark has passed the window end: this row will not change again.' : 'The window is still open: new events can change it.' }, label));
    }
  }

  #changed() {
    const windows = new Set([...this.#entries.values()].map((e) => e.startMs)).size;
    this.#table.hidden = !this.#view || this.#entries.size === 0;
    this.#empty.hidden = !this.#view || this.#entries.size > 0;
    this.#onChange({ rows: this.#entries.size, windows });
  }
}

function timeCell(cell, iso) {
  setText(cell, formatTime(iso));
  if (cell.title !== iso) cell.title = iso;
}

function rowKey(row) {
  return `${row.view}|${Date.parse(row.windowStart)}|${stableStringify(row.key ?? {})}`;
}

/** True when `row` is newer than `current`: a higher revision, or the same one now final. */
function supersedes(row, current) {
  return row.revision > current.revision || (row.revision === current.revision && row.final && !current.final);
}

function keyText(key, view) {
  return view.groupBy.map((field) => formatKeyValue(key?.[field])).join('\u0000');
}
