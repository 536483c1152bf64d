// Realistic, deterministic shop events for the benchmarks: an order line with about ten fields, the
// kind of payload a storefront sends. A seeded generator, so every run sends the same data.

export interface OrderEvent {
  [field: string]: unknown;
  ts: number;
  orderId: string;
  userId: string;
  sessionId: string;
  country: string;
  device: string;
  category: string;
  sku: string;
  quantity: number;
  amount: number;
  latencyMs: number;
  coupon: string | null;
}

const COUNTRIES = ['DE', 'FR', 'US', 'BR', 'IN', 'JP', 'NG', 'GB', 'ES', 'CA'];
const DEVICES = ['ios', 'android', 'web-desktop', 'web-mobile'];
const CATEGORIES = ['books', 'garden', 'toys', 'electronics', 'grocery', 'fashion', 'sports', 'beauty'];
const COUPONS = ['WINTER10', 'FREESHIP', 'VIP20'];

/** A small linear congruential generator: fast, and identical on every run. */
export class Seeded {
  constructor(private state = 1) {}

  next(): number {
    this.state = (Math.imul(this.state, 1_103_515_245) + 12_345) >>> 0;
    return this.state;
  }

  below(n: number): number {
    return this.next() % n;
  }
}

export interface OrderOptions {
  ts: number;
  /** Group key to put in `country` instead of a random country (e.g. "k17"). */
  key?: string;
  /** Extra fields to merge in (e.g. a batch id for latency matching). */
  extra?: Record<string, unknown>;
}

export function orderEvent(random: Seeded, sequence: number, options: OrderOptions): OrderEvent {
  const user = random.below(50_000);
  const quantity = 1 + random.below(4);
  return {
    ts: options.ts,
    orderId: `o-${sequence.toString(36).padStart(8, '0')}`,
    userId: `u${user}`,
    sessionId: `s${user}-${random.below(1_000)}`,
    country: options.key ?? COUNTRIES[random.below(COUNTRIES.length)],
    device: DEVICES[random.below(DEVICES.length)],
    category: CATEGORIES[random.below(CATEGORIES.length)],
    sku: `SKU-${random.below(10_000).toString().padStart(5, '0')}`,
    quantity,
    amount: (quantity * (199 + random.below(20_000))) / 100,
    latencyMs: 5 + random.below(300) + (random.below(100) === 0 ? random.below(2_000) : 0),
    coupon: random.below(10) === 0 ? COUPONS[random.below(COUPONS.length)] : null,
    ...options.extra,
  };
}
