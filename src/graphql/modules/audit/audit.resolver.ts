import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { auditMatches } from '../../../domain/audit';
import { mayControl, type GraphQLContext } from '../../context';
import { AuditLogEntry } from './audit.type';

const MAX_PAGE = 10_000;

@Resolver()
export class AuditResolver {
  @Query(() => [AuditLogEntry], {
    description: 'The audit trail of every control-plane change and every refused request (tallied), newest first. Also as NDJSON at GET /audit.ndjson, with the same filters.',
  })
  auditLog(
    @Arg('resource', () => String, { nullable: true, description: 'A resource such as "stream:orders", or a prefix ending in ":" such as "view:".' }) resource: string | null,
    @Arg('actor', () => String, { nullable: true }) actor: string | null,
    @Arg('action', () => String, { nullable: true }) action: string | null,
    @Arg('since', () => Date, { nullable: true }) since: Date | null,
    @Arg('result', () => String, { nullable: true, description: 'APPLIED for changes; UNAUTHENTICATED or FORBIDDEN for refusals.' }) result: string | null,
    @Arg('source', () => String, { nullable: true, description: "A client's address." }) source: string | null,
    @Arg('limit', () => Int, { defaultValue: 100 }) limit: number,
    @Ctx() ctx: GraphQLContext,
  ): AuditLogEntry[] {
    mayControl(ctx, 'read_audit');
    const { services } = ctx;
    const filter = { resource: resource ?? undefined, actor: actor ?? undefined, action: action ?? undefined, since: since?.getTime(), result: result ?? undefined, source: source ?? undefined };
    const matching = services.catalog.audit().filter((entry) => auditMatches(entry, filter));
    return matching.slice(-Math.max(1, Math.min(limit, MAX_PAGE))).reverse().map(AuditLogEntry.from);
  }
}
