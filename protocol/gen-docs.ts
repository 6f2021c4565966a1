/**
 * Writes protocol/PROTOCOL.md from the method table, the schemas, the error codes and the
 * examples, so the readable contract is the contract. Run by `npm run gen`; a test fails when
 * the committed file differs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MethodsByName, PROTOCOL_VERSION, type MethodSpec } from './methods';
import { ErrorCodes, errorCodeName } from './errors';
import { Examples } from './examples';
import { FORWARDED_ENV_NAMES, FORWARDED_ENV_PREFIXES } from './caller-env';
import { CLIENT_REFUSAL, DAEMON_ENV_NAMES, DAEMON_ENV_PREFIXES, FOLDER_FORBIDDEN_MODE } from './endpoint';

export const DOCS_PATH = join(__dirname, '..', '..', 'protocol', 'PROTOCOL.md');

type Schema = Record<string, any>;

function typeOf(s: Schema): string {
  if (!s) return 'any';
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.$ref) return s.$ref;
  if (s.type === 'array') return `${typeOf(s.items)}[]`;
  if (s.type === 'object' && s.patternProperties) return 'object (string → string)';
  if (s.type === 'object' && s.properties) return 'object';
  if (s.type === 'integer') return 'integer';
  return s.type ?? 'any';
}

function fieldsTable(schema: Schema): string {
  const props = schema.properties as Record<string, Schema> | undefined;
  if (!props || Object.keys(props).length === 0) return '_(none)_\n';
  const required = new Set<string>(schema.required ?? []);
  const rows = Object.entries(props).map(([name, s]) => {
    let desc = (s.description ?? '').replace(/\|/g, '\\|');
    if (s.type === 'object' && s.properties) desc = `${desc}${desc ? ' ' : ''}{${Object.keys(s.properties).join(', ')}}`;
    if (s.type === 'array' && s.items?.properties) desc = `${desc}${desc ? ' ' : ''}items: {${Object.keys(s.items.properties).join(', ')}}`;
    return `| \`${name}\` | ${typeOf(s)} | ${required.has(name) ? 'yes' : ''} | ${desc} |`;
  });
  return ['| field | type | required | meaning |', '|---|---|---|---|', ...rows].join('\n') + '\n';
}

function plain(v: unknown): Schema {
  return JSON.parse(JSON.stringify(v ?? {}));
}

function exchange(m: MethodSpec): string {
  const ex = Examples[m.method];
  if (!ex) return '';
  const out: string[] = ['Example:', '```json'];
  if (m.kind === 'request') {
    out.push(`→ ${JSON.stringify({ jsonrpc: '2.0', id: 1, method: m.method, params: ex.params })}`);
    if (ex.result !== undefined) out.push(`← ${JSON.stringify({ jsonrpc: '2.0', id: 1, result: ex.result })}`);
  } else {
    out.push(`${m.direction === 'server→client' ? '←' : '→'} ${JSON.stringify({ jsonrpc: '2.0', method: m.method, params: ex.params })}`);
  }
  out.push('```');
  if (ex.note) out.push(ex.note);
  return `${out.join('\n')}\n`;
}

const ERROR_MEANINGS: Record<string, string> = {
  ParseError: 'The bytes were not JSON (or the framing broke; then the connection closes).',
  InvalidRequest: 'Not a JSON-RPC request (batch arrays, wrong shapes).',
  MethodNotFound: 'No such method.',
  InvalidParams: 'Params fail the method\'s schema; `data.detail` lists the offending JSON pointers.',
  InternalError: 'A bug in orasd; the daemon log has the stack.',
  RequestCancelled: 'Cancelled by $/cancelRequest, a timeout on the client, or the client disconnecting.',
  BlobUnknown: 'Registry: BLOB_UNKNOWN.',
  BlobUploadInvalid: 'Registry: BLOB_UPLOAD_INVALID.',
  BlobUploadUnknown: 'Registry: BLOB_UPLOAD_UNKNOWN.',
  DigestInvalid: 'Registry: DIGEST_INVALID, or a digest string orasd cannot verify.',
  ManifestBlobUnknown: 'Registry: MANIFEST_BLOB_UNKNOWN.',
  ManifestInvalid: 'Registry: MANIFEST_INVALID.',
  ManifestUnknown: 'The manifest (tag or digest) does not exist: registry MANIFEST_UNKNOWN, or missing from an OCI layout.',
  NameInvalid: 'Registry: NAME_INVALID.',
  NameUnknown: 'The repository (or OCI layout) does not exist.',
  SizeInvalid: 'Registry: SIZE_INVALID, or a size that does not match the content.',
  Unauthorized: 'Registry answered 401: log in (`login`) or pass credentials.',
  Denied: 'Registry answered 403: the credentials lack the permission.',
  Unsupported: 'Registry: UNSUPPORTED (e.g. deletes disabled).',
  TooManyRequests: 'Registry answered 429 after retries.',
  RegistryUnreachable: 'DNS, TCP, TLS or timeout failure; `data.hint` says whether plainHttp, caFile or insecure may help.',
  RegistryError: 'A 5xx after retries, or a malformed registry answer.',
  InvalidReference: 'The reference does not parse; the message names the faulty part.',
  DigestMismatch: 'Content does not match its digest or size; it was discarded.',
  PathTraversal: 'A file would land outside the output folder (pass allowPathTraversal if you trust the producer).',
  FileExists: 'A pull would replace something of another kind (a folder by a file or symlink, a file or symlink by a folder, at any depth of a folder layer), or a file while keepOldFiles is set; `data.path` names it, it was left as it was and nothing was written.',
  NotLoggedIn: '`logout` found no stored credentials.',
  FileNotFound: 'An input file or folder does not exist.',
  ManifestTooLarge: 'A manifest over 4 MiB (refused, as the distribution spec allows).',
  InvalidManifest: 'A manifest, index or config that does not parse or breaks the image spec.',
  InvalidReferrersIndex: 'The referrers fallback tag holds something other than an image index; it is reported, never overwritten.',
  InvalidArgument: 'A combination of arguments the schema cannot express (e.g. artifactType with an image-spec v1.0 config).',
  CredentialHelperFailed: 'A docker-credential-* helper failed or timed out.',
  Timeout: 'An operation exceeded its time limit.',
  IncompleteGraph: 'A destination graph found incomplete and not healable.',
  UnsafeArchive: 'A folder layer holds entries escaping the folder, links out of it, or device files.',
  LimitExceeded: 'A limit that protects the shared daemon was reached: message size, unfinished input across connections, connection count, frame timeout, listing size (see Listings), or a folder layer unpacking to more than maxExtractEntries entries or maxExtractBytes bytes; `data.detail` names the limit and its value, `data.hint` how to raise it. Nothing is cut short.',
  DaemonOutdated: 'The client is newer than the daemon: the daemon retires; reconnect to start a current one.',
  ShuttingDown: 'The daemon is stopping; retry and a new one will start.',
  Interrupted: 'Raised by clients: the daemon went away during a request that changes something; it may have taken effect, so it is not repeated. Check the target and send it again if needed.',
};

export function renderDocs(): string {
  const parts: string[] = [];
  parts.push(`# The orasd protocol (version ${PROTOCOL_VERSION})

<!-- Generated from protocol/*.ts by \`npm run gen\`; edit those files, not this one. -->

orasd serves OCI artifact operations as **JSON-RPC 2.0** methods. This file is generated from
\`protocol/\`, the single source of truth shared by the daemon and every client; the same contract
as JSON Schema is in [\`schema.json\`](schema.json) for clients in other languages.

## Transports and framing
- **Unix socket** (many clients, one engine): \`orasd serve --socket [PATH]\`. Each connection chooses
  its framing with its first byte: \`Content-Length:\` headers (LSP) or one JSON object per line
  (newline-delimited JSON). The daemon answers in the framing the client used. A shell or Python
  client needs nothing but a socket.
- **stdio** (one private client): \`orasd serve --stdio\` speaks LSP framing on stdin/stdout; nothing
  else is ever written to stdout (logs go to stderr or \`--log-file\`).
- **Where the socket is**: \`ORASD_SOCKET\` when set; else \`$XDG_RUNTIME_DIR/orasd/orasd.sock\`; else
  \`<tmpdir>/orasd-<uid>/orasd.sock\` (tmpdir: \`TMPDIR\`, \`TMP\`, \`TEMP\`, else \`/tmp\`). The folder must be
  0700 and owned by the user (the daemon refuses anything else); the socket is 0600.
- **Trusting the folder** (every client: the C and Python launchers, the Python and TypeScript
  clients, \`orasd\` itself): before connecting, and so before sending anything, a client checks the
  socket's folder as the daemon does: a real directory (not a symlink), owned by the client's uid,
  with none of the mode bits ${FOLDER_FORBIDDEN_MODE.toString(8).padStart(4, '0')}. Otherwise whoever controls the folder could listen there
  and receive commands, prompts and passwords; the client stops with the problem and
  "${CLIENT_REFUSAL}".
- **The caller's environment**: the variables ${FORWARDED_ENV_NAMES.map((n) => `\`${n}\``).join(', ')} and
  ${FORWARDED_ENV_PREFIXES.map((p) => `\`${p}*\``).join(', ')} of the calling process travel with every \`cli/run\` (launchers) and once in
  \`initialize\` (\`env\`, library clients, for every request of the connection). A request finds its
  credentials, config files, credential helpers and proxies there, never in the daemon's own
  environment, which belongs to whichever client happened to start it.
- **Auto-spawn**: a client that finds no daemon starts \`orasd serve --socket <path> --idle-timeout-default 1800\`
  detached and retries the connection; concurrent starts end with one daemon (the daemon holds a
  lock next to the socket; the losers exit at once). The daemon is started in the socket's folder
  (its state folder, never the client's working directory) with only ${DAEMON_ENV_NAMES.map((n) => `\`${n}\``).join(', ')}, ${DAEMON_ENV_PREFIXES.map((p) => `\`${p}*\``).join(', ')}
  of the client's environment. The C and Python launchers and the Python client carry these rules
  as code generated from \`protocol/endpoint.ts\` and \`protocol/caller-env.ts\` (\`npm run gen\`).
- **Handshake**: \`initialize\` (and \`cli/run\`) carry \`clientVersion\`. A client newer than the daemon gets
  \`DAEMON_OUTDATED\` (1200): the daemon frees the socket, finishes its work and exits; the client
  starts a current daemon and retries once. An older client never replaces a newer daemon.
- Requests run concurrently; answers come as they complete.
- **Limits** (one daemon serves every client of a user, so none may starve the others; each
  refusal is \`LIMIT_EXCEEDED\` (1114) with \`data.detail\` naming the limit and \`data.hint\` the
  \`orasd serve\` flag that raises it):
  - a message is at most 16 MiB (\`--max-message-mib\`): a longer NDJSON line is skipped (never held)
    and answered with an error, the connection goes on; a longer LSP \`Content-Length\` ends the
    connection before its body is read;
  - unfinished messages are held up to 64 MiB across all connections (\`--max-buffered-mib\`); a
    connection holding more than 64 KiB of one when the total is over gets the error and is closed
    (an ordinary request, a few KiB, is never refused for what others hold);
  - at most \`--max-connections\` socket connections at once (default: half of the open-file limit
    left after 64 kept for registry connections and files, at most 1024); one more is answered in
    its own framing, to the id of its first request, and closed; the others are unaffected;
  - a socket connection that completes no message within 60 s of connecting, or leaves one
    unfinished for 60 s, is answered and closed (\`--frame-timeout\`); an idle connection between
    complete messages is never closed.
- **Working directory**: the daemon chdirs at start-up to its state folder (the socket's), never
  staying in the folder it was started from (deleting that folder must not break it); relative
  paths in a request resolve against the request's \`cwd\`, which clients send.

## Conventions
- **Targets** are named as oras writes them: \`reference\` is \`host[:port]/repo[:tag[,tag...]]\` or
  \`host[:port]/repo@sha256:...\`; with \`ociLayout: true\` it is \`path[:tag|@digest]\` of an OCI image
  layout folder. Other target fields, in oras's flag names: \`plainHttp\` (default only for
  loopback hosts), \`insecure\`, \`caFile\`, \`username\`/\`password\`/\`identityToken\` (this request only,
  never stored or logged), \`registryConfig\` (a docker config.json), \`distributionSpec\`
  (\`v1.1-referrers-api\` | \`v1.1-referrers-tag\`), \`noCache\`.
- **Files move by path**: the daemon reads and writes files itself; relative paths resolve
  against \`cwd\`. Blob bytes never travel inside messages.
- **Progress**: methods marked _progress_ accept \`progressToken\`; the daemon then sends
  \`$/progress\` notifications \`{token, value}\` (per blob, and the operation's totals).
- **Cancellation**: \`$/cancelRequest\` \`{id}\` aborts the request's transfers, removes its temporary
  files and answers \`-32800\`. A client that disconnects has all its requests cancelled.
- **Pulling into a folder** never removes or replaces what the pull did not create. Everything is
  downloaded, verified and (for folder layers) unpacked under hidden temporary names first; only
  then is it moved into place. A file replaces a file and a symlink a symlink (as \`oras pull\`
  overwrites; not with \`keepOldFiles\`), a folder layer merges into an existing folder; anything
  meeting something of another kind — a file or symlink where a folder is, a folder where a file or
  symlink is, at any depth inside a folder layer — is \`FILE_EXISTS\` naming the path, and nothing is
  written. A folder layer may unpack to at most \`maxExtractEntries\` files, folders and links
  (default 1,000,000) and \`maxExtractBytes\` bytes of file content (default 16 GiB), counted from
  the tar headers before anything is written; the pull params raise or lower them per pull, the
  daemon's \`--max-extract-entries\` / \`--max-extract-bytes\` (\`ORASD_MAX_EXTRACT_ENTRIES\` /
  \`ORASD_MAX_EXTRACT_BYTES\`) for every pull. Beyond them: \`LIMIT_EXCEEDED\`, nothing written.
- **Listings** (\`repo/tags\`, \`repo/list\`, and the referrers that \`discover\`, \`copy\` with
  \`recursive\` and \`manifest/delete\` with \`cascade\` read, through the referrers API or the
  tag-schema index) are bounded, so that one registry cannot exhaust the daemon every client shares:
  **maxEntries** (default 1,000,000) and **maxBytes** (64 MiB of page bodies) count over all the
  listings of one request (a graph walk adds up), **maxPageBytes** (16 MiB) bounds one page body and
  is enforced while it is read, **maxPages** (10,000) bounds one listing. Past any of them the request
  fails with \`LIMIT_EXCEEDED\` (1114), never with a shortened list: \`data.detail\` is
  \`{limit, value, param, flag, env}\`. Raise them per request with \`listingLimits\`, or for the
  daemon with \`orasd serve --listing-max-entries|--listing-max-bytes|--listing-max-page-bytes|--listing-max-pages\`
  (\`ORASD_LISTING_MAX_ENTRIES\`, \`_BYTES\`, \`_PAGE_BYTES\`, \`_PAGES\`). A \`Link\` to a page already read
  (a loop) is \`REGISTRY_ERROR\` at once. The defaults are far above real registries (oras-go caps
  pages at 4 MiB; distribution pages tags by 1,000, Docker Hub by 100) and keep a few concurrent
  hostile listings within a few hundred MiB.
- **Reconnecting**: when the daemon goes away, the socket clients connect again (starting a
  daemon if needed). They resend requests marked _read-only_ and requests never sent; any other
  request in flight may have taken effect, so they raise \`1202\` INTERRUPTED instead of repeating it.
- **Credentials** come from the request (\`username\`/\`password\`/\`identityToken\`), else the caller's
  docker config: \`registryConfig\`, else \`$DOCKER_CONFIG/config.json\`, else \`$HOME/.docker/config.json\`,
  with \`credsStore\`/\`credHelpers\`.
- **Whose environment**: a request's credentials, config files, credential helpers, proxy and
  certificate settings come only from its caller: the \`env\` of \`cli/run\`, else the \`env\` its
  connection sent in \`initialize\` (the variables of protocol/caller-env.ts), never from the daemon's
  own environment, which belongs to whichever client started it. A client that sends none gets what
  \`oras\` does for this account with an empty environment: the account's home folder (from the user
  database), no \`DOCKER_CONFIG\`, no proxy. Helpers run with the caller's forwarded variables only
  (PATH \`/usr/local/bin:/usr/bin:/bin\` when it sent none). \`login\`/\`logout\` write only that caller's
  config. Tokens are shared only between requests holding the same credential; cached tags and
  manifests only between callers with the same credential or the same config file and helper
  environment. (Proxy and \`SSL_CERT_*\` variables are forwarded but not applied yet: the daemon
  connects directly and trusts Node's CA list plus \`caFile\`.)
- **Token realms**: a password or identity token goes to a token realm only over HTTPS, or when the
  realm and the registry are both on loopback, or when the realm is on the host the request already
  speaks plain HTTP to; otherwise the request fails \`UNAUTHORIZED\` naming the realm, before any
  connection to it. Anonymous token requests follow any http(s) realm, as \`oras\` does.

## Errors
Every error has a stable \`code\` and \`data\` with at least \`data.code\` (the symbolic name) and, where
they apply, \`reference\`, \`registry\`, \`status\` (HTTP), \`hint\` (what to do), \`path\`, \`detail\`.
Messages and data never contain secrets.

| code | name | meaning |
|---|---|---|
`);
  for (const [key, code] of Object.entries(ErrorCodes)) parts.push(`| ${code} | \`${errorCodeName(code)}\` | ${ERROR_MEANINGS[key] ?? ''} |\n`);
  parts.push('\nRanges: -32768..-32000 JSON-RPC (plus -32800 from LSP); 1000..1099 OCI distribution codes; 1100..1199 local failures; 1200..1299 the daemon and its clients.\n');

  const groups: [string, (m: MethodSpec) => boolean][] = [
    ['Lifecycle', (m) => ['initialize', 'shutdown', 'exit', 'status'].includes(m.method)],
    ['Artifacts and graphs', (m) => ['push', 'pull', 'attach', 'discover', 'copy', 'tag', 'resolve'].includes(m.method)],
    ['Manifests, blobs, repositories', (m) => /^(manifest|blob|repo)\//.test(m.method)],
    ['Credentials', (m) => ['login', 'logout'].includes(m.method)],
    ['The command line (cli/run)', (m) => m.method.startsWith('cli/')],
    ['Notifications from the daemon', (m) => m.method === '$/progress'],
  ];
  parts.push('\n## Methods\n');
  for (const [title, pick] of groups) {
    parts.push(`\n### ${title}\n`);
    if (title.startsWith('The command line')) {
      parts.push(`
The oras command line runs inside the daemon; launchers (\`clients/shell/oras\`, \`orasd\`) only
forward argv, cwd, the environment variables \`DOCKER_CONFIG HOME PATH NO_COLOR TERM USER XDG_CONFIG_HOME ORAS_*\`
and TTY facts. Output streams back as \`cli/output\`; prompts and stdin reads come back as
requests from the daemon; SIGINT at the launcher becomes \`$/cancelRequest\` for the \`cli/run\` request.
`);
    }
    for (const m of MethodsByName.values()) {
      if (!pick(m)) continue;
      const tags = [m.kind, m.direction === 'server→client' ? 'daemon → client' : undefined, m.progress ? 'progress' : undefined, m.readOnly ? 'read-only' : undefined, m.oras ? `\`${m.oras}\`` : undefined].filter(Boolean).join(' · ');
      parts.push(`\n#### \`${m.method}\`\n${m.summary}. _${tags}_\n\nParams:\n\n${fieldsTable(plain(m.params))}`);
      if (m.result) {
        const r = plain(m.result);
        parts.push(r.properties ? `\nResult:\n\n${fieldsTable(r)}` : `\nResult: \`${typeOf(r)}\`\n`);
      }
      parts.push(`\n${exchange(m)}`);
    }
  }
  return parts.join('');
}

if (require.main === module) {
  writeFileSync(DOCS_PATH, renderDocs());
  process.stdout.write(`wrote ${DOCS_PATH}\n`);
}
