import type { ListingLimits } from '../listing-limits';

/** Per-request registry options, from the protocol's TargetFields (credentials here are for this call only). */
export interface RegistryOptions {
  plainHttp?: boolean;
  insecure?: boolean;
  caFile?: string;
  username?: string;
  password?: string;
  identityToken?: string;
  /** Path of a docker config.json to read credentials from. */
  registryConfig?: string;
  distributionSpec?: 'v1.1-referrers-api' | 'v1.1-referrers-tag';
  /**
   * The calling client's environment (cli/run's or initialize's env), for its docker config and
   * helpers. Absent: the account's defaults, never the daemon's own environment.
   */
  env?: Readonly<Record<string, string>>;
  /**
   * 'write' when the operation will push to this repository: its reads then ask for a pull,push
   * token from the first request, so one token serves the whole command.
   */
  intent?: 'read' | 'write';
  /** This request's own listing limits, over the daemon's. */
  listingLimits?: Partial<ListingLimits>;
}

/** Hosts that get plain HTTP without being asked: this machine only. */
export function isLoopbackHost(registry: string): boolean {
  const host = hostnameOf(registry);
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** `host[:port]` or `[v6]:port` → the host name without port or brackets. */
export function hostnameOf(registry: string): string {
  if (registry.startsWith('[')) {
    const end = registry.indexOf(']');
    return registry.slice(1, end < 0 ? undefined : end).toLowerCase();
  }
  const colon = registry.lastIndexOf(':');
  return (colon >= 0 ? registry.slice(0, colon) : registry).toLowerCase();
}

/** Where a registry name is served: docker.io is an alias of Docker Hub's API host. */
export function apiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}
