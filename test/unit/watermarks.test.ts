// Watermarks of a view partition: from its own events (one input partition), or combined from the
// watermarks every source partition sends through the repartition topic, with idle sources left out
// after the stream's idle timeout (processing time, injected).

import { describe, expect, it } from 'vitest';
import { PartitionWatermark, SourceWatermarks } from '../../src/stream/watermarks';

describe('PartitionWatermark', () => {
  it('trails the largest event time by the delay, whatever order events come in', () => {
    const watermark = new PartitionWatermark(5_000);
    expect(watermark.current()).toBeNull();
    for (const time of [10_000, 30_000, 12_000]) watermark.observe(time);
    expect(watermark.current()).toBe(25_000);
    expect(watermark.snapshot()).toEqual({ maxEventTime: 30_000 });
    expect(new PartitionWatermark(5_000, watermark.snapshot()).current()).toBe(25_000);
  });

  it('set from outside, moves only when advanced, never back, and ignores event times', () => {
    const watermark = new PartitionWatermark(null);
    watermark.observe(90_000);
    expect(watermark.current()).toBeNull();
    watermark.advance(20_000);
    watermark.advance(15_000);
    expect(watermark.current()).toBe(20_000);
    const restored = new PartitionWatermark(null, watermark.snapshot());
    expect(restored.current()).toBe(20_000);
    expect(restored.snapshot()).toEqual({ maxEventTime: 90_000, watermark: 20_000 });
  });
});

describe('SourceWatermarks', () => {
  const IDLE_MS = 60_000;

  it('is the least watermark over the sources, and waits for every source to send one', () => {
    const sources = new SourceWatermarks(3, IDLE_MS, 0);
    sources.mark(0, 50_000, 1_000);
    sources.mark(1, 20_000, 1_000);
    expect(sources.combined(1_000)).toBeNull(); // source 2 has sent nothing and is not idle yet
    sources.mark(2, 35_000, 2_000);
    expect(sources.combined(2_000)).toBe(20_000);
    sources.mark(1, 40_000, 3_000);
    expect(sources.combined(3_000)).toBe(35_000);
  });

  it('leaves out a source silent for the idle timeout, and counts it again once it sends', () => {
    const sources = new SourceWatermarks(2, IDLE_MS, 0);
    sources.mark(0, 50_000, 1_000);
    expect(sources.combined(IDLE_MS - 1)).toBeNull(); // source 1 still holds it back
    expect(sources.idle(IDLE_MS - 1)).toEqual([]);
    sources.mark(0, 70_000, IDLE_MS);
    expect(sources.idle(IDLE_MS)).toEqual([1]);
    expect(sources.combined(IDLE_MS)).toBe(70_000);
    // Back with an older watermark: it holds the watermark from here on, which never goes back.
    sources.mark(1, 30_000, IDLE_MS + 1_000);
    expect(sources.combined(IDLE_MS + 1_000)).toBe(70_000);
    sources.mark(0, 90_000, IDLE_MS + 2_000);
    expect(sources.combined(IDLE_MS + 2_000)).toBe(70_000);
    sources.mark(1, 80_000, IDLE_MS + 3_000);
    expect(sources.combined(IDLE_MS + 3_000)).toBe(80_000);
  });

  it('stays where it was while every source is idle', () => {
    const sources = new SourceWatermarks(2, IDLE_MS, 0);
    sources.mark(0, 10_000, 0);
    sources.mark(1, 12_000, 0);
    expect(sources.combined(0)).toBe(10_000);
    expect(sources.combined(10 * IDLE_MS)).toBe(10_000);
    expect(sources.idle(10 * IDLE_MS)).toEqual([0, 1]);
  });

  it('keeps the highest watermark a source sent (a resent, older one changes nothing)', () => {
    const sources = new SourceWatermarks(1, IDLE_MS, 0);
    sources.mark(0, 40_000, 0);
    sources.mark(0, 25_000, 1);
    expect(sources.combined(1)).toBe(40_000);
  });

  it('restores from a snapshot with every source heard from at the restore, so a pause is not idleness', () => {
    const before = new SourceWatermarks(2, IDLE_MS, 0);
    before.mark(0, 40_000, 0);
    before.mark(1, 30_000, 0);
    expect(before.combined(0)).toBe(30_000);
    const later = 10 * IDLE_MS;
    const after = new SourceWatermarks(2, IDLE_MS, later, before.snapshot());
    expect(after.combined(later)).toBe(30_000);
    after.mark(0, 90_000, later + 1);
    expect(after.combined(later + 1)).toBe(30_000); // source 1 is not idle just because the process was down
    expect(after.combined(later + IDLE_MS)).toBe(90_000);
  });
});
