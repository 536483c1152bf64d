import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { GatewayError } from '../../../errors/gateway-error';
import type { GraphQLContext } from '../../context';
import { Acl, AclInput, ApiKey, NewApiKey, RoleEnum } from './security.type';

const PRINCIPAL = /^(\*|key:[a-z0-9]{12}|role:(admin|producer|consumer|steward|auditor))$/;
const RESOURCE = /^[a-z0-9_]{1,63}$/;

@Resolver()
export class SecurityResolver {
  @Query(() => ApiKey, { description: 'The key this request was made with (null fields when authentication is off).', nullable: true })
  whoami(@Ctx() ctx: GraphQLContext): ApiKey | null {
    const id = ctx.principal.id.startsWith('key:') ? ctx.principal.id.slice(4) : undefined;
    const key = id ? ctx.services.security.keyRecord(id) : undefined;
    return key ? ApiKey.from(key) : null;
  }

  @Query(() => [ApiKey], { description: 'Every API key, revoked ones included (admin).' })
  apiKeys(@Ctx() ctx: GraphQLContext): ApiKey[] {
    return ctx.services.security.keys(ctx.principal, ctx.origin).map(ApiKey.from);
  }

  @Mutation(() => NewApiKey, { description: 'Makes an API key (admin). Its token is in this answer only.' })
  async createApiKey(
    @Arg('name', () => String) name: string,
    @Arg('roles', () => [RoleEnum]) roles: string[],
    @Arg('expiresAt', () => Date, { nullable: true }) expiresAt: Date | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<NewApiKey> {
    const made = await ctx.services.security.createKey({ name, roles, expiresAt: expiresAt?.getTime() }, ctx.principal, ctx.origin);
    return Object.assign(new NewApiKey(), { token: made.token, key: ApiKey.from(made.key) });
  }

  @Mutation(() => ApiKey, { description: 'Revokes a key at once, on every instance (admin).' })
  async revokeApiKey(@Arg('id', () => String) id: string, @Arg('reason', () => String, { defaultValue: '' }) reason: string, @Ctx() ctx: GraphQLContext): Promise<ApiKey> {
    return ApiKey.from(await ctx.services.security.revokeKey(id, reason, ctx.principal, ctx.origin));
  }

  @Mutation(() => NewApiKey, { description: 'Replaces a key with a new one of the same name, roles and expiry; the old one is revoked (admin).' })
  async rotateApiKey(@Arg('id', () => String) id: string, @Ctx() ctx: GraphQLContext): Promise<NewApiKey> {
    const made = await ctx.services.security.rotateKey(id, ctx.principal, ctx.origin);
    return Object.assign(new NewApiKey(), { token: made.token, key: ApiKey.from(made.key) });
  }

  @Query(() => [Acl], { description: 'Every ACL rule (admin).' })
  acls(@Ctx() ctx: GraphQLContext): Acl[] {
    return ctx.services.security.acls(ctx.principal, ctx.origin).map(Acl.from);
  }

  @Mutation(() => Acl, { description: 'Adds an ACL rule (admin). A DENY that matches always wins.' })
  async putAcl(@Arg('input', () => AclInput) input: AclInput, @Arg('reason', () => String, { defaultValue: '' }) reason: string, @Ctx() ctx: GraphQLContext): Promise<Acl> {
    if (!PRINCIPAL.test(input.principal)) throw new GatewayError('BAD_USER_INPUT', `principal must be "*", "key:<id>" or "role:<role>"; got ${JSON.stringify(input.principal)}`, { path: 'input.principal' });
    if (!RESOURCE.test(input.resource)) throw new GatewayError('BAD_USER_INPUT', `resource must be a stream or view name (or its prefix); got ${JSON.stringify(input.resource)}`, { path: 'input.resource' });
    return Acl.from(await ctx.services.security.putAcl({ ...input }, reason, ctx.principal, ctx.origin));
  }

  @Mutation(() => Acl, { description: 'Removes an ACL rule (admin).' })
  async removeAcl(@Arg('id', () => String) id: string, @Arg('reason', () => String, { defaultValue: '' }) reason: string, @Ctx() ctx: GraphQLContext): Promise<Acl> {
    return Acl.from(await ctx.services.security.removeAcl(id, reason, ctx.principal, ctx.origin));
  }
}
