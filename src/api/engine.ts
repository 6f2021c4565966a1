import type { Logger } from '../log';
import { ErrorCodes, OrasdError } from '../errors';
import { parseLayoutReference, parseReference, referenceSelector } from '../oci/reference';
import { resolvePath } from '../ops/files';
import type { OpContext, TempTracker } from '../ops/context';
import { DEFAULT_EXTRACT_LIMITS, type ExtractLimits } from '../ops/unpack';
import { ReferrerChecks } from '../ops/referrers-heal';
import { Layouts } from '../targets/layout';
import type { ListingLimits } from '../targets/listing-limits';
import { Registries, type RegistriesOptions, type RegistryOptions } from '../targets/registry';
import type { Target } from '../targets/target';
import { VERSION } from '../version';

/**
 * A registry host that the reference grammar accepts but a URL cannot hold ('08', '1.2.3.08',
 * '999.1.1.1': numeric forms that are not IPv4) is an invalid reference, not an internal error
 * later when the first request is built.
 */
export function checkRegistryHost(registry: string, reference: string): void {
  try {
    new URL(`https://${registry}/`);
  } catch {
    throw new OrasdError(ErrorCodes.InvalidReference, `invalid reference "${reference.slice(0, 200)}": "${registry.slice(0, 100)}" is not a usable host`, {
      reference: reference.slice(0, 200),
      hint: 'write a host name, an IPv4 address a.b.c.d (0-255 each) or [IPv6], with an optional :port',
    });
  }
}

/** How a request names one target: the protocol's TargetFields. */
export interface TargetSpec {
  reference: string;
  ociLayout?: boolean;
  plainHttp?: boolean;
  insecure?: boolean;
  caFile?: string;
  username?: string;
  password?: string;
  identityToken?: string;
  registryConfig?: string;
  distributionSpec?: 'v1.1-referrers-api' | 'v1.1-referrers-tag';
  noCache?: boolean;
  /** Limits on this request's listings, over the daemon's. */
  listingLimits?: Partial<ListingLimits>;
}

export interface OpenedTarget {
  target: Target;
  /** The digest if given, else the first tag. */
  selector: string | undefined;
  tags: string[];
  digest: string | undefined;
}

/** What a handler gets besides its params. */
export interface CallContext extends OpContext {
  log: Logger;
  /** Absolute folder relative paths resolve against. */
  cwd: string;
  /**
   * The calling client's environment (cli/run's env, else its connection's initialize env): the
   * only source of its docker config, helpers' PATH/HOME. Absent: the account's defaults, never
   * the daemon's own process.env, which belongs to whichever client started it.
   */
  env?: Record<string, string>;
}

export interface EngineOptions {
  log: Logger;
  manifestCacheBytes?: number;
  tagTtlMs?: number;
  maxConnectionsPerOrigin?: number;
  /** Offer HTTP/2 to TLS registries (off by default: see README, Performance). */
  http2?: boolean;
  /** How long a registry may stay silent (before its headers, or mid-body) before the request fails. */
  registryTimeoutMs?: number;
  retry?: RegistriesOptions['retry'];
  /** Daemon-wide listing limits (tags, catalog, referrers); requests may set their own. */
  listingLimits?: Partial<ListingLimits>;
  /** The daemon's record of temporary paths, handed to every operation. */
  temps?: TempTracker;
  /** How far a pulled folder layer may expand, unless a pull asks for other limits. */
  extractLimits?: Partial<ExtractLimits>;
  /** Registries ("host" or "host:port") reached over plain HTTP unless a request says otherwise. */
  plainHttpRegistries?: string[];
}

/**
 * The warm state every client shares: connection pools, token and manifest caches (inside
 * Registries) and layout locks (inside Layouts). Handlers open targets through it.
 */
export class Engine {
  readonly registries: Registries;
  readonly layouts: Layouts;
  readonly log: Logger;
  readonly startedAt = Date.now();
  readonly temps: TempTracker | undefined;
  readonly extractLimits: ExtractLimits;
  /** Read-backs of referrers listings after attach and copy -r, shared by every caller. */
  readonly referrerChecks = new ReferrerChecks();

  constructor(opts: EngineOptions) {
    this.log = opts.log;
    this.registries = new Registries({
      log: opts.log.child({ component: 'registry' }),
      userAgent: `orasd/${VERSION}`,
      ...(opts.manifestCacheBytes !== undefined ? { manifestCacheBytes: opts.manifestCacheBytes } : {}),
      ...(opts.tagTtlMs !== undefined ? { tagTtlMs: opts.tagTtlMs } : {}),
      ...(opts.maxConnectionsPerOrigin !== undefined ? { maxConnectionsPerOrigin: opts.maxConnectionsPerOrigin } : {}),
      ...(opts.http2 ? { http2: true } : {}),
      ...(opts.registryTimeoutMs !== undefined ? { timeouts: { headersMs: opts.registryTimeoutMs, bodyMs: opts.registryTimeoutMs } } : {}),
      ...(opts.retry ? { retry: opts.retry } : {}),
      ...(opts.listingLimits ? { listingLimits: opts.listingLimits } : {}),
      ...(opts.plainHttpRegistries ? { plainHttpRegistries: opts.plainHttpRegistries } : {}),
    });
    this.temps = opts.temps;
    this.extractLimits = { ...DEFAULT_EXTRACT_LIMITS, ...opts.extractLimits };
    this.layouts = new Layouts({ log: opts.log.child({ component: 'layout' }), temps: opts.temps });
  }

  registryOptions(spec: Omit<TargetSpec, 'reference'>, ctx: Pick<CallContext, 'cwd' | 'env'>): RegistryOptions {
    const o: RegistryOptions = {};
    // false too: it overrides the loopback and the config file's plain-HTTP defaults.
    if (spec.plainHttp !== undefined) o.plainHttp = spec.plainHttp;
    if (spec.insecure) o.insecure = true;
    if (spec.caFile) o.caFile = resolvePath(ctx.cwd, spec.caFile);
    if (spec.username !== undefined) o.username = spec.username;
    if (spec.password !== undefined) o.password = spec.password;
    if (spec.identityToken !== undefined) o.identityToken = spec.identityToken;
    if (spec.registryConfig) o.registryConfig = resolvePath(ctx.cwd, spec.registryConfig);
    if (spec.distributionSpec) o.distributionSpec = spec.distributionSpec;
    if (ctx.env) o.env = ctx.env;
    if (spec.listingLimits) o.listingLimits = spec.listingLimits;
    return o;
  }

  /** `mode`: what the operation does to this target; 'write' creates a layout and asks for push rights up front. */
  openTarget(spec: TargetSpec, ctx: Pick<CallContext, 'cwd' | 'env'>, mode: 'read' | 'write' | 'delete' = 'read'): OpenedTarget {
    if (spec.ociLayout) {
      if (spec.username || spec.password || spec.identityToken) {
        throw new OrasdError(ErrorCodes.InvalidArgument, 'credentials make no sense for an OCI layout target', { reference: spec.reference });
      }
      const ref = parseLayoutReference(spec.reference);
      const target = this.layouts.open(resolvePath(ctx.cwd, ref.path), { create: mode === 'write' });
      return { target, selector: referenceSelector(ref), tags: ref.tags, digest: ref.digest };
    }
    const ref = parseReference(spec.reference);
    checkRegistryHost(ref.registry, spec.reference);
    const target = this.registries.repository(ref.registry, ref.repository, { ...this.registryOptions(spec, ctx), intent: mode === 'write' ? 'write' : 'read' });
    return { target, selector: referenceSelector(ref), tags: ref.tags, digest: ref.digest };
  }

  async close(): Promise<void> {
    await this.registries.close();
  }
}
