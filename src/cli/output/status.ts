/**
 * oras's status lines for transfers when stderr is not a terminal (or with --no-tty):
 * `Uploading 2fdeac43552b readme.md` / `Uploaded  ...` / `Exists    ...`, written to stdout.
 * Unnamed blobs (config, manifests) are named by media type and shown only while --verbose
 * is true, its default.
 */
import type { ProgressValue } from '../../../protocol';
import { shortDigest } from './model';

export interface Prompts {
  start: string;
  done: string;
  exists: string;
  skipped: string;
  mounted: string;
  processing?: string;
}

export const PUSH_PROMPTS: Prompts = { start: 'Uploading', done: 'Uploaded ', exists: 'Exists   ', skipped: 'Skipped  ', mounted: 'Mounted  ' };
export const PULL_PROMPTS: Prompts = {
  start: 'Downloading',
  done: 'Downloaded ',
  exists: 'Restored   ',
  skipped: 'Skipped    ',
  mounted: 'Restored   ',
  processing: 'Processing ',
};
export const COPY_PROMPTS: Prompts = { start: 'Copying', done: 'Copied ', exists: 'Exists ', skipped: 'Skipped', mounted: 'Mounted' };

export interface Node {
  digest: string;
  mediaType: string;
  title?: string;
  size?: number;
}

export type StatusKind = keyof Prompts;

/** What a transfer shows while it runs: lines, progress bars, or nothing (JSON output). */
export interface TransferDisplay {
  /** An engine $/progress value. */
  onProgress(v: ProgressValue): void;
  /** A line the command itself knows of (manifests, which the engine does not report). */
  status(kind: StatusKind, node: Node): void;
  stop(): void;
}

export const discardDisplay: TransferDisplay = { onProgress() {}, status() {}, stop() {} };

export class StatusLines implements TransferDisplay {
  /** Blobs whose start line is out: the engine says "started" before it knows a blob exists, so the line waits for bytes or the end. */
  private announced = new Set<string>();

  constructor(
    private readonly prompts: Prompts,
    private readonly write: (line: string) => void,
    private readonly verbose: boolean,
  ) {}

  status(kind: StatusKind, node: Node): void {
    const prompt = this.prompts[kind];
    if (prompt === undefined) return;
    if (!node.title && !this.verbose) return;
    this.write(`${prompt} ${shortDigest(node.digest)} ${node.title ?? node.mediaType}\n`);
  }

  onProgress(v: ProgressValue): void {
    if (v.kind !== 'blob') return;
    const node: Node = { digest: v.digest, mediaType: v.mediaType, ...(v.title ? { title: v.title } : {}) };
    const key = `${v.digest}\0${v.title ?? ''}`;
    const announce = () => {
      if (!this.announced.has(key)) {
        this.announced.add(key);
        this.status('start', node);
      }
    };
    switch (v.state) {
      case 'progress':
        announce();
        break;
      case 'done':
        announce();
        this.status('done', node);
        break;
      case 'exists':
        this.status('exists', node);
        break;
      case 'mounted':
        this.status('mounted', node);
        break;
      case 'skipped':
        this.status('skipped', node);
        break;
      default:
        break;
    }
  }

  stop(): void {}
}
