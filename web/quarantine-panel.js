// The latest events a stream refused, each with its code, message and the event as received.

import { h, replaceChildren } from './dom.js';
import { formatTime } from './format.js';

export const QUARANTINE_LIMIT = 20;

/** Renders `events` (newest first) rejected from `stream` into `container`. */
export function renderQuarantine(container, events, stream) {
  if (events.length === 0) {
    replaceChildren(container, h('p', { class: 'empty-state ok' }, `No rejected events: everything sent to ${stream} passed validation.`));
    return;
  }
  const rows = events.map((event) =>
    h(
      'tr',
      { dataset: { offset: String(event.offset) } },
      h('td', { class: 'time', title: event.receivedAt }, formatTime(event.receivedAt), h('span', { class: 'producer', title: 'producer' }, event.producer)),
      h('td', {}, h('span', { class: 'badge badge-error' }, event.code)),
      h(
        'td',
        { class: 'message' },
        h('div', {}, event.message),
        h(
          'details',
          {},
          h('summary', {}, event.path ? `event #${event.index} · ${event.path}` : `event #${event.index}`),
          h('pre', {}, eventText(event)),
        ),
      ),
    ),
  );
  replaceChildren(
    container,
    h(
      'div',
      { class: 'table-scroll short' },
      h(
        'table',
        { class: 'data-table quarantine', id: 'quarantine-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Received · producer'), h('th', { scope: 'col' }, 'Code'), h('th', { scope: 'col' }, 'Message'))),
        h('tbody', {}, rows),
      ),
    ),
  );
}

function eventText(event) {
  if (event.event === null || event.event === undefined) return '(not kept)';
  const text = typeof event.event === 'string' ? event.event : JSON.stringify(event.event, null, 2);
  return event.truncated ? `${text}\n… (truncated: only the first 4 KiB were kept)` : text;
}
