// Fault injection on command: admins (and drills) put failures into this instance's ports, and take
// them out again. Off unless TRIBUTARY_FAULT_INJECTION is set, so no production gateway can be made
// to fail by a request it did not expect.

import type { Fault, FaultPlan, FaultSpec } from '../adapters/faults/fault-plan';
import { GatewayError } from '../errors/gateway-error';
import type { Logger } from '../observability/logger';
import type { Clock } from '../ports/clock';

export class Faults {
  constructor(
    private readonly plan: FaultPlan | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  get enabled(): boolean {
    return this.plan !== undefined;
  }

  inject(spec: FaultSpec, actor: string): Fault {
    const fault = this.requirePlan().add(spec, this.clock.now(), actor);
    this.logger.warn({ fault }, 'fault injected');
    return fault;
  }

  clear(id: string, actor: string): Fault {
    const fault = this.requirePlan().clear(id);
    if (!fault) throw new GatewayError('NOT_FOUND', `no active fault with id ${id}`, { path: 'id' });
    this.logger.warn({ fault, actor }, 'fault cleared');
    return fault;
  }

  clearAll(actor: string): Fault[] {
    const cleared = this.requirePlan().clearAll();
    if (cleared.length > 0) this.logger.warn({ faults: cleared.map((f) => f.id), actor }, 'faults cleared');
    return cleared;
  }

  /** The active faults; none when injection is off. */
  list(): Fault[] {
    return this.plan?.active(this.clock.now()) ?? [];
  }

  private requirePlan(): FaultPlan {
    if (!this.plan) {
      throw new GatewayError('FAULT_INJECTION_DISABLED', 'fault injection is off on this gateway; start it with TRIBUTARY_FAULT_INJECTION=true (never in production)');
    }
    return this.plan;
  }
}
