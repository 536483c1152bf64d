import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { parseDuration } from '../../../domain/duration';
import { GatewayError } from '../../../errors/gateway-error';
import { mayControl, type GraphQLContext } from '../../context';
import { Fault, FaultInput } from './fault.type';

/** A duration argument in milliseconds, or undefined when omitted; refused when unreadable. */
function durationArg(text: string | null | undefined, path: string): number | undefined {
  if (text == null) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new GatewayError('BAD_USER_INPUT', `${path} must be a duration such as "250ms" or "30s"; got ${JSON.stringify(text)}`, { path });
  return ms;
}

@Resolver()
export class FaultResolver {
  @Query(() => [Fault], { description: "Faults active on this gateway instance's ports (admins; empty when fault injection is off)." })
  faults(@Ctx() ctx: GraphQLContext): Fault[] {
    mayControl(ctx, 'inject_faults');
    return ctx.services.faults.list().map(Fault.from);
  }

  @Mutation(() => Fault, {
    description:
      "Injects a failure into one of this gateway instance's ports, for drills and tests (admins; refused with FAULT_INJECTION_DISABLED unless the gateway runs with TRIBUTARY_FAULT_INJECTION=true).",
  })
  injectFault(@Arg('input', () => FaultInput) input: FaultInput, @Ctx() ctx: GraphQLContext): Fault {
    mayControl(ctx, 'inject_faults');
    const spec = {
      port: input.port,
      operation: input.operation,
      kind: input.kind,
      probability: input.probability,
      latencyMs: durationArg(input.latency, 'latency'),
      durationMs: durationArg(input.duration, 'duration'),
    };
    return Fault.from(ctx.services.faults.inject(spec, ctx.producer));
  }

  @Mutation(() => Fault, { description: 'Ends one injected fault.' })
  clearFault(@Arg('id', () => String) id: string, @Ctx() ctx: GraphQLContext): Fault {
    mayControl(ctx, 'inject_faults');
    return Fault.from(ctx.services.faults.clear(id, ctx.producer));
  }

  @Mutation(() => [Fault], { description: 'Ends every injected fault; returns what was ended.' })
  clearFaults(@Ctx() ctx: GraphQLContext): Fault[] {
    mayControl(ctx, 'inject_faults');
    return ctx.services.faults.clearAll(ctx.producer).map(Fault.from);
  }
}
