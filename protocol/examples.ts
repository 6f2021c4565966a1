/**
 * One example exchange per method, shown in PROTOCOL.md. A test validates every example against
 * the schemas, so the documentation cannot drift from the contract.
 */
const R = '127.0.0.1:5000/samples/artifact';
const M = 'sha256:7617514eff635f280d02bf411d5c7f16737f762383e4804b892cdc760bdae6a8';
const S = 'sha256:c966c221846b416e5dd6b42673832051497313bf4e3a1acad1a86977316c10da';
const README = { mediaType: 'application/markdown', digest: 'sha256:2fdeac43552b71eb9db534137714c7bad86b53a93c56ca96d4850c9b41b777fc', size: 15, annotations: { 'org.opencontainers.image.title': 'readme.md' } };
const DETAILS = {
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  digest: 'sha256:6f5956cc859ae24b4678f5a77849ba568ba5f6f83b21aca0d79ecbddd5fe631a',
  size: 184,
  annotations: {
    'io.deis.oras.content.digest': 'sha256:24ea91800503e84704389dc47ceeca2a13fd9422e4c8a7e128a2ea9135be6cc2',
    'io.deis.oras.content.unpack': 'true',
    'org.opencontainers.image.title': 'details',
  },
};
const MANIFEST = { reference: `${R}@${M}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: M, size: 903 };
const SIG = { reference: `${R}@${S}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: S, size: 710, annotations: { 'org.opencontainers.image.created': '2026-11-25T15:02:31Z' }, artifactType: 'signature/example' };

export interface Example {
  params: unknown;
  result?: unknown;
  note?: string;
}

export const Examples: Record<string, Example> = {
  initialize: {
    params: { clientName: 'my-plugin', clientVersion: '0.1.0' },
    result: { serverName: 'orasd', serverVersion: '0.1.0', protocolVersion: '1.0', pid: 4242, capabilities: { methods: ['push', 'pull', '...'], framing: ['lsp', 'ndjson'], targets: ['registry', 'oci-layout'] } },
  },
  shutdown: { params: {}, result: null },
  exit: { params: {}, note: 'Notification; the daemon exits after in-flight requests answer.' },
  status: {
    params: {},
    result: {
      version: '0.1.0',
      pid: 4242,
      uptimeSeconds: 812.4,
      socket: '/run/user/1000/orasd/orasd.sock',
      clients: { connected: 2, total: 57 },
      requests: { inFlight: 1, total: 930, succeeded: 921, failed: 8, cancelled: 0, byMethod: { push: 300, discover: 600, resolve: 30 } },
      http: { requests: 2110, byOrigin: { 'http://127.0.0.1:5000': 2110 }, connections: { http: 6 }, tokenFetches: 0 },
      caches: { manifests: { entries: 610, bytes: 512000, hits: 1200, misses: 610 }, tags: { entries: 300, hits: 30, misses: 300 }, tokens: { entries: 0 }, knownBlobs: { entries: 900 } },
      memory: { rss: 98000000, heapUsed: 41000000 },
      referrers: { checked: 12, healed: 1, incomplete: 0 },
    },
  },
  'cache/list': {
    params: {},
    result: {
      manifests: { entries: 2, bytes: 1530, repositories: [{ registry: 'localhost:5000', repository: 'net-monitor', entries: 2, bytes: 1530 }] },
      tags: { entries: 1, repositories: [{ registry: 'localhost:5000', repository: 'net-monitor', entries: 1, tags: ['v1'] }] },
      tokens: { entries: 1, registries: [{ registry: 'ghcr.io', entries: 1 }] },
      knownBlobs: { entries: 3, repositories: [{ registry: 'localhost:5000', repository: 'net-monitor', entries: 3 }] },
    },
  },
  'cache/clear': { params: { tags: true }, result: { manifests: 0, tags: 1, tokens: 0, knownBlobs: 0 }, note: 'No cache named: all four are emptied.' },
  push: {
    params: { reference: `${R}:readme`, cwd: '/home/me/work', artifactType: 'readme/example', files: [{ path: 'readme.md', mediaType: 'application/markdown' }, { path: 'details' }], progressToken: 'p1' },
    result: { ...MANIFEST, artifactType: 'readme/example', referenceAsTags: [`${R}:readme`], layers: [README, DETAILS] },
  },
  pull: {
    params: { reference: `${R}:readme`, output: '/home/me/download' },
    result: {
      ...MANIFEST,
      files: [
        { reference: `${R}@${README.digest}`, ...README, path: '/home/me/download/readme.md' },
        { reference: `${R}@${DETAILS.digest}`, ...DETAILS, path: '/home/me/download/details' },
      ],
      skipped: [],
    },
  },
  attach: {
    params: { reference: `${R}:readme`, cwd: '/home/me/work', artifactType: 'signature/example', files: [{ path: 'signature.json', mediaType: 'application/json' }] },
    result: { ...SIG, subject: { mediaType: MANIFEST.mediaType, digest: M, size: 903 }, referrersHealed: 0, layers: [{ mediaType: 'application/json', digest: 'sha256:0b6c9d4af6b6e3aba8c6bbf2ecb1a0a5a6b1c5a8c8b65b2f5c7dd5d4f0d3c2b1', size: 62, annotations: { 'org.opencontainers.image.title': 'signature.json' } }] },
  },
  discover: {
    params: { reference: `${R}:readme`, artifactType: 'signature/example' },
    result: { ...MANIFEST, referrers: [{ ...SIG, referrers: [] }], manifests: [SIG] },
    note: '`referrers` nests every level (oras 1.3); `manifests` lists the direct referrers flat (oras 1.1).',
  },
  copy: {
    params: { source: `${R}:readme`, destination: '127.0.0.1:5001/staging/artifact:readme', recursive: true, fromPlainHttp: true, toPlainHttp: true },
    result: { ...MANIFEST, reference: `127.0.0.1:5001/staging/artifact@${M}`, source: `${R}:readme`, referenceAsTags: ['127.0.0.1:5001/staging/artifact:readme'], stats: { manifests: 2, blobs: 4, mounted: 0, skipped: 0, healed: 0, referrersHealed: 0, bytes: 1054 } },
  },
  tag: { params: { reference: `${R}:readme`, tags: ['v1', 'stable'] }, result: { ...MANIFEST, tagged: [`${R}:v1`, `${R}:stable`] } },
  resolve: { params: { reference: `${R}:readme` }, result: MANIFEST },
  'manifest/fetch': {
    params: { reference: `${R}:readme` },
    result: { descriptor: MANIFEST, content: '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"readme/example",...}', manifest: { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'readme/example', config: {}, layers: [] } },
    note: '`content` holds the exact bytes (abridged here); `manifest` the same parsed.',
  },
  'manifest/fetchConfig': {
    params: { reference: `${R}:readme` },
    result: { descriptor: { reference: `${R}@sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a`, mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 }, content: '{}', encoding: 'utf8' },
  },
  'manifest/push': { params: { reference: `${R}:copy-of-readme`, file: 'manifest.json' }, result: { ...MANIFEST, referenceAsTags: [`${R}:copy-of-readme`] } },
  'manifest/delete': { params: { reference: `${R}:readme`, cascade: true }, result: { deleted: [SIG, MANIFEST], notFound: false } },
  'blob/fetch': { params: { reference: `${R}@${README.digest}`, output: 'readme.md' }, result: { descriptor: { reference: `${R}@${README.digest}`, mediaType: 'application/octet-stream', digest: README.digest, size: 15 }, path: '/home/me/work/readme.md' } },
  'blob/push': { params: { reference: R, file: 'readme.md', mediaType: 'application/markdown' }, result: { reference: `${R}@${README.digest}`, mediaType: 'application/markdown', digest: README.digest, size: 15 } },
  'blob/delete': { params: { reference: `${R}@${README.digest}` }, result: { descriptor: { mediaType: 'application/octet-stream', digest: README.digest, size: 15 }, notFound: false } },
  'repo/tags': { params: { reference: R, excludeDigestTags: true }, result: { tags: ['readme', 'v1'] } },
  'repo/list': { params: { reference: '127.0.0.1:5000' }, result: { repositories: ['net-monitor', 'samples/artifact'] } },
  login: { params: { registry: 'registry.example.com', username: 'me', password: '…' }, result: { registry: 'registry.example.com', store: 'file:/home/me/.docker/config.json' } },
  logout: { params: { registry: 'registry.example.com' }, result: { registry: 'registry.example.com', store: 'file:/home/me/.docker/config.json' } },
  'cli/run': {
    params: { token: 1, argv: ['repo', 'tags', R], cwd: '/home/me/work', env: { HOME: '/home/me' }, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false, columns: 0, clientVersion: '0.1.0' },
    result: { exitCode: 0 },
    note: 'Before the result, the daemon sends `cli/output` notifications: {"token":1,"stream":"stdout","data":"readme\\nv1\\n"}.',
  },
  'cli/output': { params: { token: 1, stream: 'stdout', data: 'readme\n' }, note: 'Notification from the daemon.' },
  'cli/prompt': { params: { token: 1, message: 'Password: ', secret: true }, result: { value: '…' }, note: 'Request from the daemon to the launcher.' },
  'cli/stdin': { params: { token: 1, maxBytes: 65536 }, result: { data: 'c2VjcmV0Cg==', eof: true }, note: 'Request from the daemon to the launcher.' },
  '$/progress': {
    params: { token: 'p1', value: { kind: 'blob', digest: DETAILS.digest, mediaType: DETAILS.mediaType, title: 'details', state: 'done', done: 184, total: 184 } },
    note: 'Followed by {"kind":"operation","operation":"push","doneBytes":...,"totalBytes":...,"doneBlobs":...,"totalBlobs":...}.',
  },
};
