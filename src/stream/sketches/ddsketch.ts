// DDSketch quantiles (Masson, Rim, Lee, VLDB 2019): every answer within 1% of a true value of that
// rank, for positive, zero and negative values. Deterministic and independent of the order of adds.

export const DDSKETCH_RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + DDSKETCH_RELATIVE_ACCURACY) / (1 - DDSKETCH_RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/**
 * Bins per sign. 2,048 bins span magnitudes over a factor of ~1e17; beyond that the smallest
 * magnitudes are folded into one bin (losing accuracy only there), which bounds memory.
 */
export const DDSKETCH_MAX_BINS = 2048;

export interface BinStoreState {
  /** Bin index of counts[0]. */
  offset: number;
  counts: number[];
}

export interface DDSketchState {
  zeros: number;
  min: number | null;
  max: number | null;
  positive: BinStoreState;
  negative: BinStoreState;
}

/** Counts per bin index over a contiguous range of at most DDSKETCH_MAX_BINS indexes. */
class BinStore {
  constructor(
    public offset = 0,
    public counts: number[] = [],
  ) {}

  add(index: number, count = 1): void {
    const counts = this.counts;
    if (counts.length === 0) {
      this.offset = index;
      counts.push(count);
      return;
    }
    const top = this.offset + counts.length - 1;
    if (index > top) {
      const bottom = Math.max(this.offset, index - DDSKETCH_MAX_BINS + 1);
      this.resize(bottom, index);
      this.counts[index - this.offset] += count;
      return;
    }
    // Too small to keep apart from the top bins: it joins the lowest bin kept.
    const lowest = Math.max(index, top - DDSKETCH_MAX_BINS + 1);
    if (lowest < this.offset) this.resize(lowest, top);
    this.counts[lowest - this.offset] += count;
  }

  /** Adds every count of `other`, bin by bin, keeping the same bound on bins as add. */
  merge(other: BinStore): void {
    for (let i = 0; i < other.counts.length; i++) if (other.counts[i] > 0) this.add(other.offset + i, other.counts[i]);
  }

  total(): number {
    let sum = 0;
    for (let i = 0; i < this.counts.length; i++) sum += this.counts[i];
    return sum;
  }

  /** Re-spans the store to [bottom, top]; counts below bottom are folded into it. */
  private resize(bottom: number, top: number): void {
    const next = new Array<number>(top - bottom + 1).fill(0);
    for (let i = 0; i < this.counts.length; i++) {
      const index = Math.max(this.offset + i, bottom);
      if (index <= top) next[index - bottom] += this.counts[i];
    }
    this.offset = bottom;
    this.counts = next;
  }
}

function binOf(magnitude: number): number {
  return Math.ceil(Math.log(magnitude) / LOG_GAMMA);
}

/** The representative of bin i, within the relative accuracy of every magnitude in (γ^(i-1), γ^i]. */
function valueOf(bin: number): number {
  return (2 * GAMMA ** bin) / (1 + GAMMA);
}

export class DDSketch {
  private zeros = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly positive = new BinStore();
  private readonly negative = new BinStore();
  private total = 0;

  get count(): number {
    return this.total;
  }

  /** Adds a finite number; NaN and infinities are the caller's to refuse. */
  add(value: number): void {
    if (value > 0) this.positive.add(binOf(value));
    else if (value < 0) this.negative.add(binOf(-value));
    else this.zeros += 1;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.total += 1;
  }

  /** Takes in every value `other` has seen: the sketch of both multisets together. */
  merge(other: DDSketch): void {
    if (other.total === 0) return;
    this.positive.merge(other.positive);
    this.negative.merge(other.negative);
    this.zeros += other.zeros;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    this.total += other.total;
  }

  /**
   * The value of 1-based rank `rank` in ascending order (clamped to 1..count), within 1% relative
   * error, or null when empty. Never outside the exact [min, max] seen.
   */
  valueAtRank(rank: number): number | null {
    if (this.total === 0) return null;
    const target = Math.min(Math.max(rank, 1), this.total);
    let seen = 0;
    const negative = this.negative;
    for (let i = negative.counts.length - 1; i >= 0; i--) {
      seen += negative.counts[i];
      if (seen >= target) return this.clamp(-valueOf(negative.offset + i));
    }
    seen += this.zeros;
    if (seen >= target) return 0;
    const positive = this.positive;
    for (let i = 0; i < positive.counts.length; i++) {
      seen += positive.counts[i];
      if (seen >= target) return this.clamp(valueOf(positive.offset + i));
    }
    return this.max;
  }

  /** Nearest-rank quantile: the value of rank ceil(q · count). */
  quantile(q: number): number | null {
    return this.valueAtRank(Math.ceil(q * this.total));
  }

  toState(): DDSketchState {
    return {
      zeros: this.zeros,
      min: this.total === 0 ? null : this.min,
      max: this.total === 0 ? null : this.max,
      positive: { offset: this.positive.offset, counts: [...this.positive.counts] },
      negative: { offset: this.negative.offset, counts: [...this.negative.counts] },
    };
  }

  static fromState(state: unknown): DDSketch {
    const s = state as DDSketchState;
    if (typeof s !== 'object' || s === null || !isCount(s.zeros) || !isBinStore(s.positive) || !isBinStore(s.negative)) {
      throw new TypeError('DDSketch state must be { zeros, min, max, positive, negative } with counts as non-negative integers');
    }
    const sketch = new DDSketch();
    sketch.zeros = s.zeros;
    sketch.positive.offset = s.positive.offset;
    sketch.positive.counts = [...s.positive.counts];
    sketch.negative.offset = s.negative.offset;
    sketch.negative.counts = [...s.negative.counts];
    sketch.total = s.zeros + sketch.positive.total() + sketch.negative.total();
    if (sketch.total > 0) {
      if (typeof s.min !== 'number' || typeof s.max !== 'number' || !(s.min <= s.max)) {
        throw new TypeError('DDSketch state with values must carry min <= max');
      }
      sketch.min = s.min;
      sketch.max = s.max;
    }
    return sketch;
  }

  private clamp(value: number): number {
    return value < this.min ? this.min : value > this.max ? this.max : value;
  }
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isBinStore(value: unknown): value is BinStoreState {
  const store = value as BinStoreState;
  return (
    typeof store === 'object' && store !== null && Number.isSafeInteger(store.offset) &&
    Array.isArray(store.counts) && store.counts.length <= DDSKETCH_MAX_BINS && store.counts.every(isCount)
  );
}
