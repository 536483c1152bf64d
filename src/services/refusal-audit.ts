// Puts refused requests (bad or missing credentials, operations a principal may not do) into the
// control plane's audit trail. Refusals are tallied in memory and written every `flushMs` as one
// `_meta` command, so an authentication flood costs a bounded number of commands; a flush that
// cannot be written keeps its counts for the next one; stopping writes what is left.

import { RefusalTally, type Refusal } from '../domain/security/access-refusals';
import type { Logger } from '../observability/logger';
import type { ControlPlane } from './control-plane';

/** Kinds of refusal one flush lists one by one; the rest are counted in one summary entry. */
const MAX_ITEMIZED = 200;

export interface RefusalAuditOptions {
  flushMs: number;
  /** Counted per refusal, for /metrics. */
  onRefusal?: (refusal: Refusal) => void;
}

export class RefusalAudit {
  private readonly tally = new RefusalTally(MAX_ITEMIZED);
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly controlPlane: ControlPlane,
    private readonly logger: Logger,
    private readonly options: RefusalAuditOptions,
  ) {
    this.timer = setInterval(() => void this.flush(), options.flushMs);
    this.timer.unref();
  }

  record(refusal: Refusal): void {
    this.tally.add(refusal);
    this.options.onRefusal?.(refusal);
    this.logger.debug({ refusal }, 'request refused');
  }

  /** Writes what has been counted since the last flush. One flush runs at a time. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.tally.empty) return;
    const records = this.tally.drain();
    try {
      await this.controlPlane.submit({ type: 'RecordRefusals', records });
    } catch (error) {
      this.tally.restore(records);
      this.logger.warn({ err: error, kinds: records.length }, 'cannot write refused requests to the audit trail; keeping their counts for the next try');
    }
  }
}
