import { Type, type Static } from '@sinclair/typebox';
import { Obj } from './common';

/**
 * `$/progress` values. One `blob` event per state change of a blob (and periodic byte counts while
 * it moves), one `operation` event with the totals after each blob event; `hashing` events while
 * a large file is read to learn its digest.
 */
export const BlobProgress = Obj({
  kind: Type.Literal('blob'),
  digest: Type.String(),
  mediaType: Type.String(),
  title: Type.Optional(Type.String()),
  state: Type.Union([
    Type.Literal('started'),
    Type.Literal('progress'),
    Type.Literal('done'),
    Type.Literal('exists'),
    Type.Literal('mounted'),
    Type.Literal('skipped'),
    Type.Literal('failed'),
  ]),
  done: Type.Integer({ minimum: 0 }),
  total: Type.Integer({ minimum: 0 }),
});
export type BlobProgress = Static<typeof BlobProgress>;

export const OperationProgress = Obj({
  kind: Type.Literal('operation'),
  operation: Type.String(),
  doneBytes: Type.Integer({ minimum: 0 }),
  totalBytes: Type.Integer({ minimum: 0 }),
  doneBlobs: Type.Integer({ minimum: 0 }),
  totalBlobs: Type.Integer({ minimum: 0 }),
});
export type OperationProgress = Static<typeof OperationProgress>;

/**
 * A file being hashed before it can be described (push, attach): its digest, and so its blob
 * events, exist only at the end, and a multi-GiB file takes seconds. At most one every 100 ms,
 * and one at the end (done = total). Files up to 1 MiB are hashed in one read, without events.
 */
export const HashingProgress = Obj({
  kind: Type.Literal('hashing'),
  operation: Type.String(),
  /** The file as the request named it. */
  path: Type.String(),
  done: Type.Integer({ minimum: 0 }),
  total: Type.Integer({ minimum: 0 }),
});
export type HashingProgress = Static<typeof HashingProgress>;

export const ProgressValue = Type.Union([BlobProgress, OperationProgress, HashingProgress]);
export type ProgressValue = Static<typeof ProgressValue>;

export const ProgressParams = Obj({
  token: Type.Union([Type.String(), Type.Integer()]),
  value: ProgressValue,
});
export type ProgressParams = Static<typeof ProgressParams>;
