// The wall clock, for production wiring; tests inject their own Clock.

import type { Clock } from '../ports/clock';

export const systemClock: Clock = { now: () => Date.now() };
