// Where the selected view's data comes from, read from its upstream lineage graph and drawn top
// to bottom: producers → stream → fields → view.

import { h, replaceChildren } from './dom.js';
import { formatTime } from './format.js';

const LEVELS = [
  { kind: 'producer', title: 'Producers', none: 'No producer has sent events yet.' },
  { kind: 'stream', title: 'Stream', none: 'No stream.' },
  { kind: 'field', title: 'Fields read', none: 'The view reads no event fields (COUNT only).' },
  { kind: 'view', title: 'View', none: 'No view.' },
];

/** Renders `graph` ({ nodes, edges }) of `viewName` into `container`. */
export function renderLineage(container, graph, viewName) {
  const edgesTo = new Map();
  for (const edge of graph.edges) edgesTo.set(`${edge.from}→${edge.to}`, edge);
  const viewId = `view:${viewName}`;

  const chip = (node) => {
    switch (node.kind) {
      case 'producer': {
        const produces = graph.edges.find((e) => e.from === node.id && e.kind === 'PRODUCES_TO');
        const since = produces?.properties?.firstSeenAt;
        return h('li', { class: 'node node-producer', title: since ? `first event ${since}` : null }, h('span', { class: 'node-name' }, node.name), since && h('span', { class: 'node-note' }, `since ${formatTime(since)}`));
      }
      case 'stream':
        return h('li', { class: 'node node-stream' }, h('span', { class: 'node-name' }, node.name), node.properties?.description && h('span', { class: 'node-note' }, node.properties.description));
      case 'field': {
        const reads = edgesTo.get(`${node.id}→${viewId}`);
        const usedBy = reads?.properties?.usedBy ?? [];
        return h('li', { class: 'node node-field', title: node.name }, h('span', { class: 'node-name' }, node.properties?.path ?? node.name), usedBy.length > 0 && h('span', { class: 'node-note' }, usedBy.join(', ')));
      }
      default:
        return h('li', { class: `node node-${node.kind}` }, h('span', { class: 'node-name' }, node.name));
    }
  };

  const levels = LEVELS.map(({ kind, title, none }) => {
    const nodes = graph.nodes.filter((n) => n.kind === kind).sort((a, b) => a.name.localeCompare(b.name));
    return h(
      'li',
      { class: 'lineage-level', dataset: { kind } },
      h('h3', {}, title),
      nodes.length > 0 ? h('ul', { class: 'lineage-nodes' }, nodes.map(chip)) : h('p', { class: 'muted small' }, none),
    );
  });
  replaceChildren(container, h('ol', { class: 'lineage-flow', 'aria-label': `lineage of ${viewName}` }, levels));
}
