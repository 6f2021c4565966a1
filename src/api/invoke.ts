import { ErrorCodes, validateParams } from '../../protocol';
import { OrasdError } from '../errors';
import type { CallContext, Engine } from './engine';
import { fromFsError } from './fs-errors';
import { scrubText, scrubValue, secretsOf } from './scrub';
import { handlers } from './handlers';

/**
 * Calls an engine method by wire name with the same schema check the server applies, for
 * callers inside the daemon (the command line) that build params themselves.
 */
export async function invoke<R = unknown>(engine: Engine, method: string, params: Record<string, unknown>, ctx: CallContext): Promise<R> {
  const handler = handlers[method];
  if (!handler) throw new OrasdError(ErrorCodes.MethodNotFound, `unknown method ${method}`);
  const problems = validateParams(method, params);
  if (problems.length) {
    const first = problems[0]!;
    throw new OrasdError(ErrorCodes.InvalidParams, `invalid params for ${method}: ${first.path || 'params'} ${first.message}`, { detail: problems });
  }
  const withTemps = ctx.temps || !engine.temps ? ctx : { ...ctx, temps: engine.temps };
  try {
    return (await handler(engine, params, withTemps)) as R;
  } catch (e) {
    const err = fromFsError(e) ?? e;
    if (err instanceof OrasdError) {
      const secrets = secretsOf(params);
      err.message = scrubText(err.message, secrets);
      Object.assign(err.data, scrubValue(err.data, secrets));
    }
    throw err;
  }
}
