import type { Engine, CallContext } from '../engine';

export type Handler<P = any, R = unknown> = (engine: Engine, params: P, ctx: CallContext) => Promise<R>;
