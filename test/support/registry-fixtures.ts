// Shared helpers of the registry-target tests (no tests of its own): registries from the
// harness, tiny artifacts built in memory, and a Registries instance per test file.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { silentLogger } from '../../src/log';
import { descriptorOf, type Descriptor } from '../../src/oci/descriptor';
import { encodeImageManifest } from '../../src/oci/manifest';
import { EmptyJson, MediaTypes } from '../../src/oci/mediatypes';
import { Registries, type RegistryOptions } from '../../src/targets/registry';
import type { RegistryTarget } from '../../src/targets/registry';
import type { RunningRegistry } from '../registries/harness';

export const uniqueRepo = (what: string) => `orasd-test/${what}-${randomBytes(4).toString('hex')}`;

export function newRegistries(extra: Partial<ConstructorParameters<typeof Registries>[0]> = {}): Registries {
  return new Registries({ log: silentLogger(), retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 200 }, ...extra });
}

export function optionsFor(reg: RunningRegistry, extra: RegistryOptions = {}): RegistryOptions {
  return { ...(reg.tls ? { caFile: reg.tls.caFile } : {}), ...extra };
}

export interface Artifact {
  manifest: Descriptor;
  bytes: Buffer;
  layers: Array<{ desc: Descriptor; data: Buffer }>;
  config: Descriptor;
}

/** An image manifest with an empty config and one small random layer (plus optional subject). */
export function makeArtifact(opts: { subject?: Descriptor; artifactType?: string; annotations?: Record<string, string>; layerSize?: number } = {}): Artifact {
  const data = randomBytes(opts.layerSize ?? 64);
  const layer = descriptorOf(MediaTypes.DefaultLayer, data);
  const config: Descriptor = { mediaType: EmptyJson.mediaType, digest: EmptyJson.digest, size: EmptyJson.size };
  const bytes = encodeImageManifest({
    schemaVersion: 2,
    mediaType: MediaTypes.ImageManifest,
    ...(opts.artifactType ? { artifactType: opts.artifactType } : {}),
    config,
    layers: [layer],
    ...(opts.subject ? { subject: opts.subject } : {}),
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  });
  return { manifest: descriptorOf(MediaTypes.ImageManifest, bytes), bytes, layers: [{ desc: layer, data }], config };
}

export const EMPTY_CONFIG = Buffer.from('{}');

/** Pushes blobs and manifest (optionally under a tag). */
export async function pushArtifact(t: RegistryTarget, a: Artifact, tag?: string): Promise<void> {
  await t.pushBlob(a.config, () => Readable.from([EMPTY_CONFIG]));
  for (const l of a.layers) await t.pushBlob(l.desc, () => Readable.from([l.data]));
  await t.pushManifest(a.manifest, a.bytes, tag);
}

export async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

import * as http from 'node:http';

/** What the fault proxy does with one request: pass it on, or misbehave. */
export type Fault =
  | { kind: 'pass' }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Close the connection without answering. */
  | { kind: 'reset' }
  /** Forward, but cut the response body after this many bytes. */
  | { kind: 'truncate'; after: number }
  /** Forward, with the body replaced (Content-Length follows). */
  | { kind: 'rewrite'; body: (upstream: Buffer) => Buffer };

export interface FaultProxy {
  host: string;
  url: string;
  /** Requests seen, as "METHOD path". */
  seen: string[];
  setRule(rule: (req: http.IncomingMessage, n: number) => Fault): void;
  stop(): Promise<void>;
}

/**
 * A plain-HTTP proxy on 127.0.0.1 in front of a real registry that injects failures (statuses,
 * resets, cut bodies) by rule, so retries and resumes are tested against real registry answers.
 */
export function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  let rule: (req: http.IncomingMessage, n: number) => Fault = () => ({ kind: 'pass' });
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const fault = rule(req, seen.length);
    if (fault.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'status') {
      req.resume();
      res.writeHead(fault.status, fault.headers ?? {});
      res.end(fault.body ?? '');
      return;
    }
    const up = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (ur) => {
        const headers = { ...ur.headers };
        // Registry Location headers name the upstream; clients must come back through us.
        if (typeof headers.location === 'string') headers.location = headers.location.replace(upstream, `http://${(server.address() as { port: number } & object) && `127.0.0.1:${(server.address() as { port: number }).port}`}`);
        if (fault.kind === 'rewrite') {
          const chunks: Buffer[] = [];
          ur.on('data', (c: Buffer) => chunks.push(c));
          ur.on('end', () => {
            const body = fault.body(Buffer.concat(chunks));
            delete headers['transfer-encoding'];
            res.writeHead(ur.statusCode ?? 502, { ...headers, 'content-length': String(body.length) });
            res.end(body);
          });
          return;
        }
        res.writeHead(ur.statusCode ?? 502, headers);
        if (fault.kind === 'truncate') {
          let sent = 0;
          ur.on('data', (c: Buffer) => {
            if (sent >= fault.after) return;
            const part = c.subarray(0, fault.after - sent);
            sent += part.length;
            res.write(part);
            if (sent >= fault.after) setTimeout(() => res.socket?.destroy(), 20);
          });
          return;
        }
        ur.pipe(res);
      },
    );
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        host: `127.0.0.1:${port}`,
        url: `http://127.0.0.1:${port}`,
        seen,
        setRule: (r) => (rule = r),
        stop: () => new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
      });
    });
  });
}
