/** The option groups oras's commands share (cmd/oras/internal/option), as flag specs. */
import type { FlagSpec } from './args';

const DISTRIBUTION_SPECS = ['v1.1-referrers-tag', 'v1.1-referrers-api'];

export const debugFlag: FlagSpec = { name: 'debug', short: 'd', type: 'bool', usage: 'output debug logs (implies --no-tty)' };
export const noTtyFlag: FlagSpec = { name: 'no-tty', type: 'bool', usage: '[Preview] disable progress bars' };

/** `-v/--verbose`: deprecated everywhere; where oras still reads it, it defaults to true. */
export function verboseFlag(defaultTrue: boolean, usage = 'print status output for unnamed blobs'): FlagSpec {
  return {
    name: 'verbose',
    short: 'v',
    type: 'bool',
    usage,
    default: defaultTrue,
    hidden: true,
    deprecated: 'and will be removed in a future release.',
  };
}

export function distributionSpecFlag(prefix = '', description = ''): FlagSpec {
  return {
    name: `${prefix}distribution-spec`,
    type: 'string',
    usage: `[Preview] set OCI distribution spec version and API option for ${description}target. Options: ${DISTRIBUTION_SPECS.join(', ')}`,
    validate: (v) =>
      DISTRIBUTION_SPECS.includes(v) ? undefined : `unknown distribution specification flag: ${v}\nAvailable options: ${DISTRIBUTION_SPECS.join(', ')}`,
  };
}

/** Flags naming how to reach one registry; prefix "from-"/"to-" for copy's two sides. */
export function remoteFlags(prefix = '', description = ''): FlagSpec[] {
  const unary = prefix === '';
  return [
    { name: `${prefix}username`, ...(unary ? { short: 'u' } : {}), type: 'string', usage: `${description}registry username` },
    { name: `${prefix}password`, ...(unary ? { short: 'p' } : {}), type: 'string', usage: `${description}registry password or identity token` },
    { name: `${prefix}identity-token`, type: 'string', usage: `${description}registry identity token` },
    { name: `${prefix}insecure`, type: 'bool', usage: `allow connections to ${description}SSL registry without certs` },
    { name: `${prefix}plain-http`, type: 'bool', usage: `allow insecure connections to ${description}registry without SSL check` },
    { name: `${prefix}ca-file`, type: 'string', usage: `server certificate authority file for the remote ${description}registry` },
    { name: `${prefix}cert-file`, type: 'string', usage: `client certificate file for the remote ${description}registry (not supported by orasd)` },
    { name: `${prefix}key-file`, type: 'string', usage: `client private key file for the remote ${description}registry (not supported by orasd)` },
    { name: `${prefix}resolve`, type: 'stringArray', valueName: 'host:port:address[:address_port]', usage: `customized DNS for ${description}registry (not supported by orasd)` },
    { name: `${prefix}registry-config`, type: 'stringArray', valueName: 'path', usage: `path of the authentication file for ${description}registry` },
    { name: `${prefix}header`, ...(unary ? { short: 'H' } : {}), type: 'stringArray', usage: `add custom headers to ${description}requests (not supported by orasd)` },
  ];
}

export const stdinSecretFlags: FlagSpec[] = [
  { name: 'password-stdin', type: 'bool', usage: 'read password from stdin' },
  { name: 'identity-token-stdin', type: 'bool', usage: 'read identity token from stdin' },
];

/** A registry repository or an OCI image layout (oras's option.Target). */
export function targetFlags(prefix = '', description = '', opts: { distributionSpec?: boolean } = {}): FlagSpec[] {
  return [
    ...remoteFlags(prefix, description),
    ...(prefix === '' ? stdinSecretFlags : []),
    ...(opts.distributionSpec ? [distributionSpecFlag(prefix, description)] : []),
    { name: `${prefix}oci-layout`, type: 'bool', usage: `set ${description}target as an OCI image layout` },
    { name: `${prefix}oci-layout-path`, type: 'string', usage: `[Experimental] set the path for the ${description}OCI image layout target` },
  ];
}

export function formatFlags(types: { name: string; usage: string }[], defaultType: string): FlagSpec[] {
  const width = Math.max(...types.map((t) => t.name.length)) + 4;
  const listing = types.map((t) => `\n${`'${t.name}':`.padEnd(width)}${t.usage}`).join('');
  return [
    { name: 'format', type: 'string', default: defaultType, usage: `[Experimental] format output using a custom template:${listing}` },
    { name: 'template', type: 'string', usage: '[Experimental] template string used to format output' },
  ];
}

export const platformFlag = (usage = 'request platform'): FlagSpec => ({
  name: 'platform',
  type: 'string',
  valueName: 'os[/arch][/variant][:os_version]',
  usage: `${usage} in the form of os[/arch][/variant][:os_version]`,
});

export const packerFlags: FlagSpec[] = [
  { name: 'annotation', short: 'a', type: 'stringArray', usage: 'manifest annotations' },
  { name: 'annotation-file', type: 'string', usage: 'path of the annotation file' },
  { name: 'export-manifest', type: 'string', valueName: 'path', usage: 'path of the pushed manifest' },
  { name: 'disable-path-validation', type: 'bool', usage: 'skip path validation' },
];

export const descriptorFlag: FlagSpec = { name: 'descriptor', type: 'bool', usage: 'output the descriptor' };
export const prettyFlag: FlagSpec = { name: 'pretty', type: 'bool', usage: 'prettify JSON objects printed to stdout' };
export const forceFlag: FlagSpec = { name: 'force', short: 'f', type: 'bool', usage: 'ignore nonexistent references, never prompt' };
export const concurrencyFlag = (n: number): FlagSpec => ({ name: 'concurrency', type: 'int', default: n, usage: 'concurrency level' });

export const FORMAT_TEXT = { name: 'text', usage: 'Print in text format' };
export const FORMAT_JSON = { name: 'json', usage: 'Print in JSON format' };
export const FORMAT_TEMPLATE = { name: 'go-template', usage: 'Print output using the given Go template (not supported by orasd)' };
