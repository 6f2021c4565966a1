/**
 * The daemon's config file, $XDG_CONFIG_HOME/orasd/config.json (else ~/.config/orasd/config.json;
 * ORASD_CONFIG names another): defaults for `orasd serve`, one key per flag in camelCase. A flag
 * wins over its ORASD_* variable, which wins over this file, which wins over the built-in default.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Obj } from './common';

const Seconds = (description: string, minimum = 0.001) => Type.Optional(Type.Number({ minimum, description }));
const Whole = (description: string) => Type.Optional(Type.Integer({ minimum: 1, description }));

export const DaemonConfig = Obj(
  {
    $schema: Type.Optional(Type.String({ description: 'Where editors find this schema' })),
    idleTimeout: Seconds('--idle-timeout: seconds without clients before the daemon exits; 0 = never (a daemon a client starts gets 1800 unless this file says otherwise)', 0),
    logFile: Type.Optional(Type.String({ minLength: 1, description: '--log-file: JSON logs to this file (relative paths: to the folder the daemon starts from)' })),
    logLevel: Type.Optional(Type.Union(['trace', 'debug', 'info', 'warn', 'error', 'silent'].map((l) => Type.Literal(l)), { description: '--log-level' })),
    registryTimeout: Seconds('--registry-timeout: longest silence from a registry, in seconds'),
    retryAttempts: Whole('--retry-attempts: tries per idempotent registry request, the first included'),
    retryDelay: Type.Optional(Type.Number({ minimum: 0, description: '--retry-delay: first backoff pause in milliseconds' })),
    http2: Type.Optional(Type.Boolean({ description: '--http2: offer HTTP/2 to registries over TLS' })),
    maxExtractEntries: Whole('--max-extract-entries: most files, folders and links a pulled folder layer may unpack to'),
    maxExtractBytes: Whole('--max-extract-bytes: most bytes of file content a pulled folder layer may unpack to'),
    maxConnections: Whole('--max-connections: socket connections at once'),
    maxMessageMib: Seconds('--max-message-mib: largest message, MiB'),
    maxBufferedMib: Seconds('--max-buffered-mib: unfinished messages held across all connections, MiB'),
    frameTimeout: Seconds('--frame-timeout: seconds a socket connection may leave a message unfinished'),
    listingMaxEntries: Whole('--listing-max-entries'),
    listingMaxBytes: Whole('--listing-max-bytes'),
    listingMaxPageBytes: Whole('--listing-max-page-bytes'),
    listingMaxPages: Whole('--listing-max-pages'),
    plainHttp: Type.Optional(
      Type.Array(Type.String({ minLength: 1, pattern: '^[^\\s/@]+$' }), {
        description:
          'Registries reached over plain HTTP unless a request says otherwise (plainHttp: false): "host:port" for one port, "host" for every port. What --plain-http does for one command, without typing it every time',
      }),
    ),
  },
  "orasd daemon defaults (orasd serve's flags in camelCase)",
);
export type DaemonConfig = Static<typeof DaemonConfig>;

export const CONFIG_ENV = 'ORASD_CONFIG';
