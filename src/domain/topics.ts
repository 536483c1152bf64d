// Names of the log topics Tributary writes. User streams and views never collide with internal
// topics because their names cannot contain '.' and cannot start with '_'.

export const META_TOPIC = '_meta';

export type TopicKind = 'events' | 'quarantine' | 'meta' | 'repartition' | 'other';

export function eventTopic(stream: string): string {
  return `events.${stream}`;
}

export function quarantineTopic(stream: string): string {
  return `_quarantine.${stream}`;
}

/** Where the events of a partitioned stream are re-keyed by one view's group key. */
export function repartitionTopic(view: string): string {
  return `_repartition.${view}`;
}

/** Returns the stream of an event topic, or undefined for any other topic. */
export function streamOfEventTopic(topic: string): string | undefined {
  return topic.startsWith('events.') ? topic.slice('events.'.length) : undefined;
}

/** What a topic holds, which decides how a partitioned log lays it out. */
export function topicKind(topic: string): TopicKind {
  if (topic === META_TOPIC) return 'meta';
  if (topic.startsWith('events.')) return 'events';
  if (topic.startsWith('_quarantine.')) return 'quarantine';
  if (topic.startsWith('_repartition.')) return 'repartition';
  return 'other';
}
