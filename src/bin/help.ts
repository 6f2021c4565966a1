/** What `orasd --help` and each orasd subcommand's `--help` print: usage, then examples. */

export const ORASD_USAGE = `orasd: one warm engine for OCI artifacts, served to thin clients over JSON-RPC.

Usage:
  orasd serve (--socket [PATH] | --stdio) [options]   run the daemon (clients start it for you)
  orasd daemon status|stop|sockname|logs             look at, stop, or read the log of the running daemon
  orasd cache [list|clear] [--format json|text]       what the daemon caches (manifests, tags, tokens, blobs); empty it
  orasd call METHOD [JSON|-]                          send one protocol request, print its JSON result
  orasd batch                                         JSON-RPC requests on stdin, one per line
  orasd <oras command> [args]                         any oras 1.3 command, run by the daemon

The oras commands work too, with oras's flags and output: push, pull, attach, discover, copy,
tag, resolve, manifest, blob, repo, login, logout, version. \`orasd help COMMAND\` or
\`orasd COMMAND --help\` shows oras's help for one of them.

Each orasd command answers --help. Examples:
  orasd push localhost:5000/hello:v1 ./hello.txt
  orasd discover -o tree localhost:5000/hello:v1
  orasd call resolve '{"reference":"localhost:5000/hello:v1"}'
  orasd daemon logs -f

Environment: ORASD_SOCKET (the socket), ORASD_LOG_FILE, ORASD_LOG_LEVEL, ORASD_IDLE_TIMEOUT, ORASD_CONFIG
(the daemon's config file, default $XDG_CONFIG_HOME/orasd/config.json; see orasd serve --help).
Protocol: protocol/PROTOCOL.md in the package.
`;

export const DAEMON_USAGE = `Usage: orasd daemon COMMAND

The daemon on this user's socket (ORASD_SOCKET, else $XDG_RUNTIME_DIR/orasd/orasd.sock, else
$TMPDIR/orasd-<uid>/orasd.sock). Looking at it never starts or replaces it.

Commands:
  status     uptime, clients, requests, HTTP and cache statistics: a summary on a terminal,
             JSON when piped (--format json|text to choose)
  stop       shut it down after its in-flight requests; returns once it has exited
  sockname   print the socket path (starting a daemon if none runs)
  logs       its log, for people (see \`orasd daemon logs --help\`)

Examples:
  orasd daemon status
  orasd daemon logs --level warn
  orasd daemon stop
`;

export const CACHE_USAGE = `Usage: orasd cache [list|clear] [options]

What the running daemon holds in memory, for every client: verified manifests, tag → digest
answers, bearer tokens and blobs known to exist, by registry and repository. Tokens are only
counted per registry, never shown. Never starts a daemon.

Commands:
  list       (the default) each cache's entries, bytes where known, and the repositories they
             belong to: a summary on a terminal, JSON when piped (--format json|text to choose)
  clear      empty the caches without stopping the daemon; the next request asks the registry.
             Only some with --manifests, --tags, --tokens, --blobs (known blobs)

Examples:
  orasd cache
  orasd cache list --format json
  orasd cache clear
  orasd cache clear --tags --tokens
`;

export const BATCH_USAGE = `Usage: orasd batch

Reads JSON-RPC requests from stdin, one JSON object per line ({"id", "method", "params"}), sends
them to the daemon concurrently and prints each answer as a line of JSON (in completion order).
Exits 1 when any request failed.

Example:
  printf '%s\\n' '{"id":1,"method":"resolve","params":{"reference":"localhost:5000/hello:v1"}}' | orasd batch
`;

export function callUsage(methods: string[]): string {
  return `Usage: orasd call METHOD [JSON|-]

Sends one request of the protocol to the daemon (starting one if needed) and prints its result as
JSON; an error prints {code, message, data} on stderr and exits 1. JSON is the params object
("-": read it from stdin; default {}).

Methods: ${methods.join(' ')}

Examples:
  orasd call resolve '{"reference":"localhost:5000/hello:v1"}'
  orasd call status
  echo '{"reference":"localhost:5000/hello:v1"}' | orasd call discover -
`;
}

export function wantsHelp(argv: string[]): boolean {
  return argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help';
}
