import { Type, type Static } from '@sinclair/typebox';
import { Obj } from './common';

/**
 * `$/progress` values. One `blob` event per state change of a blob (and periodic byte counts while
 * it moves), one `operation` event with the totals after each blob event.
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

export const ProgressValue = Type.Union([BlobProgress, OperationProgress]);
export type ProgressValue = Static<typeof ProgressValue>;

export const ProgressParams = Obj({
  token: Type.Union([Type.String(), Type.Integer()]),
  value: ProgressValue,
});
export type ProgressParams = Static<typeof ProgressParams>;
