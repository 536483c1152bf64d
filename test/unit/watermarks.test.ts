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
  it('is the least watermark over the sources, and waits for every source to send one', () => {
    const sources = new SourceWatermarks(3);
    sources.mark(0, 50_000, false);
    sources.mark(1, 20_000, false);
    expect(sources.combined()).toBeNull(); // source 2 has said nothing yet
    sources.mark(2, 35_000, false);
    expect(sources.combined()).toBe(20_000);
    sources.mark(1, 40_000, false);
    expect(sources.combined()).toBe(35_000);
  });

  it('leaves out a source said to be idle, and counts it again once it sends a watermark', () => {
    const sources = new SourceWatermarks(2);
    sources.mark(0, 50_000, false);
    expect(sources.combined()).toBeNull();
    sources.mark(1, null, true); // idle before its first event
    expect(sources.combined()).toBe(50_000);
    sources.mark(0, 70_000, false);
    expect(sources.combined()).toBe(70_000);
    // Back with an older watermark: it holds the watermark from here on, which never goes back.
    sources.mark(1, 30_000, false);
    expect(sources.combined()).toBe(70_000);
    sources.mark(0, 90_000, false);
    expect(sources.combined()).toBe(70_000);
    sources.mark(1, 80_000, false);
    expect(sources.combined()).toBe(80_000);
  });

  it('moves to the highest watermark any source sent once every source is idle (Flink flushes its idle channels)', () => {
    const sources = new SourceWatermarks(2);
    sources.mark(0, 10_000, false);
    sources.mark(1, 12_000, false);
    expect(sources.combined()).toBe(10_000);
    sources.mark(0, 10_000, true);
    sources.mark(1, 12_000, true);
    expect(sources.combined()).toBe(12_000);
    // Back from idleness with an older watermark: time does not go back.
    sources.mark(0, 11_000, false);
    expect(sources.combined()).toBe(12_000);
  });

  it('closes windows of a stream whose only busy partition goes quiet after the others were idle', () => {
    const sources = new SourceWatermarks(3);
    sources.mark(0, 26_000, false);
    expect(sources.combined()).toBeNull(); // partitions 1 and 2 have said nothing yet
    sources.mark(0, 26_000, true); // partition 0 is announced idle first
    expect(sources.combined()).toBeNull(); // 1 and 2 are still active, without a watermark
    sources.mark(1, null, true);
    sources.mark(2, null, true);
    expect(sources.combined()).toBe(26_000);
  });

  it('keeps the highest watermark a source sent (a resent, older one changes nothing), also through idleness', () => {
    const sources = new SourceWatermarks(1);
    sources.mark(0, 40_000, false);
    sources.mark(0, 25_000, false);
    expect(sources.combined()).toBe(40_000);
    sources.mark(0, null, true);
    sources.mark(0, null, false);
    expect(sources.snapshot().sources[0]).toEqual([40_000, false]);
  });

  it('restores watermarks and idleness from a snapshot', () => {
    const before = new SourceWatermarks(3);
    before.mark(0, 40_000, false);
    before.mark(1, 30_000, false);
    before.mark(2, null, true);
    expect(before.combined()).toBe(30_000);
    const after = new SourceWatermarks(3, before.snapshot());
    expect(after.combined()).toBe(30_000);
    after.mark(0, 90_000, false);
    expect(after.combined()).toBe(30_000); // source 1 still holds it; source 2 is still idle
    after.mark(1, 60_000, false);
    expect(after.combined()).toBe(60_000);
  });
});
