import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { auditMatches } from '../../../domain/audit';
import { mayControl, type GraphQLContext } from '../../context';
import { AuditLogEntry } from './audit.type';

const MAX_PAGE = 10_000;

@Resolver()
export class AuditResolver {
  @Query(() => [AuditLogEntry], { description: 'The audit trail of every control-plane change, newest first. Also as NDJSON at GET /audit.ndjson.' })
  auditLog(
    @Arg('resource', () => String, { nullable: true, description: 'A resource such as "stream:orders", or a prefix ending in ":" such as "view:".' }) resource: string | null,
    @Arg('actor', () => String, { nullable: true }) actor: string | null,
    @Arg('action', () => String, { nullable: true }) action: string | null,
    @Arg('since', () => Date, { nullable: true }) since: Date | null,
    @Arg('limit', () => Int, { defaultValue: 100 }) limit: number,
    @Ctx() ctx: GraphQLContext,
  ): AuditLogEntry[] {
    mayControl(ctx, 'read_audit');
    const { services } = ctx;
    const filter = { resource: resource ?? undefined, actor: actor ?? undefined, action: action ?? undefined, since: since?.getTime() };
    const matching = services.catalog.audit().filter((entry) => auditMatches(entry, filter));
    return matching.slice(-Math.max(1, Math.min(limit, MAX_PAGE))).reverse().map(AuditLogEntry.from);
  }
}
