// The sidebar: every stream with its event and quarantine counts, and every view with its window,
// grouping, measures and progress. Items are updated in place on each refresh.

import { h, setText, syncChildren } from './dom.js';
import { formatAgo, formatMeasure, formatNumber, formatTime } from './format.js';

/** "1m tumbling" or "5m every 1m". */
export function describeWindow(view) {
  return view.hop ? `${view.window} window every ${view.hop}` : `${view.window} tumbling window`;
}

export function renderStreams(list, streams, selected, onSelect) {
  syncChildren(
    list,
    streams,
    (stream) => stream.name,
    (stream) =>
      h(
        'li',
        {},
        h(
          'button',
          { type: 'button', class: 'nav-item', dataset: { stream: stream.name }, onClick: () => onSelect(stream.name) },
          h('span', { class: 'nav-title' }, stream.name),
          h(
            'span',
            { class: 'nav-meta' },
            h('span', { dataset: { field: 'eventCount' } }),
            h('span', { class: 'sep' }, '·'),
            h('span', { dataset: { field: 'quarantinedCount' } }),
          ),
        ),
      ),
    (item, stream) => {
      const button = item.firstElementChild;
      button.setAttribute('aria-pressed', String(stream.name === selected));
      button.title = stream.description || stream.name;
      setText(button.querySelector('[data-field="eventCount"]'), `${formatNumber(stream.eventCount)} events`);
      const quarantined = button.querySelector('[data-field="quarantinedCount"]');
      setText(quarantined, `${formatNumber(stream.quarantinedCount)} quarantined`);
      quarantined.classList.toggle('warn', stream.quarantinedCount > 0);
    },
  );
}

export function renderViews(list, views, selected, onSelect) {
  syncChildren(
    list,
    views,
    (view) => view.name,
    (view) =>
      h(
        'li',
        {},
        h(
          'button',
          { type: 'button', class: 'nav-item', dataset: { view: view.name }, onClick: () => onSelect(view.name) },
          h('span', { class: 'nav-title' }, view.name, h('span', { class: 'tag', dataset: { field: 'stream' } })),
          h('span', { class: 'nav-meta', dataset: { field: 'shape' } }),
          h('span', { class: 'nav-meta measures', dataset: { field: 'measures' } }),
          h('span', { class: 'nav-meta progress', dataset: { field: 'progress' } }),
          h('span', { class: 'nav-meta progress', dataset: { field: 'watermark' } }),
        ),
      ),
    (item, view) => {
      const button = item.firstElementChild;
      const field = (name) => button.querySelector(`[data-field="${name}"]`);
      button.setAttribute('aria-pressed', String(view.name === selected));
      setText(field('stream'), view.stream);
      setText(field('shape'), `${describeWindow(view)}${view.groupBy.length ? ` · by ${view.groupBy.join(', ')}` : ''}`);
      setText(field('measures'), view.measures.map((m) => m.name).join(', '));
      field('measures').title = view.measures.map((m) => `${m.name} = ${formatMeasure(m)}`).join('\n');
      const progress = view.progress;
      setText(field('progress'), progress ? `${formatNumber(progress.processedEvents)} processed · ${formatNumber(progress.lateEvents)} late` : 'job starting…');
      setText(field('watermark'), progress?.watermark ? `watermark ${formatTime(progress.watermark)}` : 'no watermark yet');
    },
  );
}

/** The stat tiles of the selected view: processed events, watermark, late events, open windows. */
export function renderProgress(tiles, progress) {
  const set = (name, value, note = '') => {
    setText(tiles.querySelector(`[data-stat="${name}"] .stat-value`), value);
    setText(tiles.querySelector(`[data-stat="${name}"] .stat-note`), note);
  };
  if (!progress) {
    for (const name of ['processedEvents', 'watermark', 'lateEvents', 'openWindows']) set(name, '—', name === 'processedEvents' ? 'job starting…' : '');
    return;
  }
  set('processedEvents', formatNumber(progress.processedEvents), 'folded into aggregates');
  set('watermark', progress.watermark ? formatTime(progress.watermark) : '—', progress.watermark ? formatAgo(progress.watermark) : 'no events yet');
  set('lateEvents', formatNumber(progress.lateEvents), 'after their window closed');
  tiles.querySelector('[data-stat="lateEvents"]').classList.toggle('warn', progress.lateEvents > 0);
  set('openWindows', formatNumber(progress.openWindows), 'still accepting events');
}
