import { Type, type Static } from '@sinclair/typebox';
import { Obj, RequestFields } from './common';

export const InitializeParams = Obj({
  clientName: Type.Optional(Type.String()),
  clientVersion: Type.Optional(Type.String({ description: 'Semver of the client; a client newer than the daemon is told DAEMON_OUTDATED' })),
  clientBuild: Type.Optional(
    Type.String({ description: 'Build id of the daemon this client would start; a daemon of the same version but another build is told DAEMON_OUTDATED and retires once its in-flight requests finish' }),
  ),
  protocolVersion: Type.Optional(Type.String()),
  env: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description:
        "The client's environment as protocol/caller-env.ts selects it (DOCKER_CONFIG, HOME, proxies, ORAS_*...). Every request on this connection finds its credentials, config files, helpers and proxies through it; a client that sends none gets what oras would do for this user with an empty environment (the account's home folder, no proxy).",
    }),
  ),
});
export type InitializeParams = Static<typeof InitializeParams>;

export const InitializeResult = Obj({
  serverName: Type.String(),
  serverVersion: Type.String(),
  serverBuild: Type.Optional(Type.String({ description: 'Build id of the daemon (changes with every build, unlike the version)' })),
  protocolVersion: Type.String(),
  pid: Type.Integer(),
  capabilities: Obj({
    methods: Type.Array(Type.String()),
    framing: Type.Array(Type.String()),
    targets: Type.Array(Type.String()),
  }),
});
export type InitializeResult = Static<typeof InitializeResult>;

const Counter = Type.Integer({ minimum: 0 });

export const StatusParams = Obj({});
export type StatusParams = Static<typeof StatusParams>;

export const StatusResult = Obj({
  version: Type.String(),
  build: Type.Optional(Type.String({ description: 'Build id of the daemon' })),
  pid: Type.Integer(),
  uptimeSeconds: Type.Number(),
  socket: Type.Optional(Type.String()),
  clients: Obj({ connected: Counter, total: Counter }),
  requests: Obj({
    inFlight: Counter,
    total: Counter,
    succeeded: Counter,
    failed: Counter,
    cancelled: Counter,
    byMethod: Type.Record(Type.String(), Counter),
  }),
  http: Obj({
    requests: Counter,
    byOrigin: Type.Record(Type.String(), Counter),
    connections: Type.Record(Type.String(), Counter, { description: 'New registry connections by protocol: h2, http/1.1 (TLS) or http (plain)' }),
    tokenFetches: Counter,
  }),
  caches: Obj({
    manifests: Obj({ entries: Counter, bytes: Counter, hits: Counter, misses: Counter }),
    tags: Obj({ entries: Counter, hits: Counter, misses: Counter }),
    tokens: Obj({ entries: Counter }),
    knownBlobs: Obj({ entries: Counter }),
  }),
  referrers: Obj(
    { checked: Counter, healed: Counter, incomplete: Counter },
    'Read-backs of referrers listings after attach and copy -r: subjects checked, referrers a listing lacked and that were put again until it showed them, checks that still lacked some (IncompleteGraph)',
  ),
  memory: Obj({ rss: Counter, heapUsed: Counter }),
  settings: Type.Optional(
    Obj(
      {
        configFile: Type.Optional(Type.String({ description: 'The config file read at start, when there was one' })),
        idleTimeoutSeconds: Type.Number({ minimum: 0, description: '0: never exits for idleness' }),
        logLevel: Type.String(),
        plainHttp: Type.Array(Type.String(), { description: 'Registries reached over plain HTTP unless a request says otherwise (the config file\'s plainHttp)' }),
      },
      'What the daemon runs with, from its flags, ORASD_* variables and config file',
    ),
  ),
});
export type StatusResult = Static<typeof StatusResult>;

export const ShutdownParams = Type.Union([Obj({}), Type.Null()]);
export const ShutdownResult = Type.Null();

export const LoginParams = Obj({
  ...RequestFields,
  registry: Type.String({ minLength: 1, description: 'Registry host[:port]' }),
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  identityToken: Type.Optional(Type.String()),
  registryConfig: Type.Optional(Type.String()),
  plainHttp: Type.Optional(Type.Boolean()),
  insecure: Type.Optional(Type.Boolean()),
  caFile: Type.Optional(Type.String()),
});
export type LoginParams = Static<typeof LoginParams>;
export const LoginResult = Obj({
  registry: Type.String(),
  store: Type.String({ description: '"file:<path>" or "helper:<name>"' }),
});
export type LoginResult = Static<typeof LoginResult>;

export const LogoutParams = Obj({
  ...RequestFields,
  registry: Type.String({ minLength: 1 }),
  registryConfig: Type.Optional(Type.String()),
});
export type LogoutParams = Static<typeof LogoutParams>;
export const LogoutResult = Obj({ registry: Type.String(), store: Type.String() });
export type LogoutResult = Static<typeof LogoutResult>;
