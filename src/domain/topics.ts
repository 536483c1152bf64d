// Names of the log topics Tributary writes. User streams never collide with internal topics
// because stream names cannot contain '.' and cannot start with '_'.

export const META_TOPIC = '_meta';

export function eventTopic(stream: string): string {
  return `events.${stream}`;
}

export function quarantineTopic(stream: string): string {
  return `_quarantine.${stream}`;
}

/** Returns the stream of an event topic, or undefined for any other topic. */
export function streamOfEventTopic(topic: string): string | undefined {
  return topic.startsWith('events.') ? topic.slice('events.'.length) : undefined;
}
