import type * as P from '../../../protocol';
import { parseReference } from '../../oci/reference';
import { checkRegistryHost, type CallContext, type Engine } from '../engine';

function checkHost(registry: string): void {
  parseReference(`${registry}/x`);
  checkRegistryHost(registry, registry);
}

export async function handleLogin(engine: Engine, p: P.LoginParams, ctx: CallContext): Promise<P.LoginResult> {
  checkHost(p.registry);
  const opts = engine.registryOptions(p, ctx);
  const creds = {
    ...(p.username !== undefined ? { username: p.username } : {}),
    ...(p.password !== undefined ? { password: p.password } : {}),
    ...(p.identityToken !== undefined ? { identityToken: p.identityToken } : {}),
  };
  const out = await engine.registries.login(p.registry, creds, opts);
  ctx.log.info({ registry: p.registry, store: out.store }, 'login succeeded');
  return { registry: p.registry, store: out.store };
}

export async function handleLogout(engine: Engine, p: P.LogoutParams, ctx: CallContext): Promise<P.LogoutResult> {
  checkHost(p.registry);
  const out = await engine.registries.logout(p.registry, engine.registryOptions(p, ctx));
  return { registry: p.registry, store: out.store };
}
