import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { MethodsByName } from './methods';

export interface ParamsProblem {
  /** JSON pointer of the offending value, "" for the params object itself. */
  path: string;
  message: string;
}

const compiled = new Map<string, TypeCheck<TSchema>>();

/** Checks params against the method's schema; returns the problems (empty when valid). */
export function validateParams(method: string, params: unknown): ParamsProblem[] {
  const spec = MethodsByName.get(method);
  if (!spec) return [{ path: '', message: `unknown method ${method}` }];
  let check = compiled.get(method);
  if (!check) {
    check = TypeCompiler.Compile(spec.params);
    compiled.set(method, check);
  }
  if (check.Check(params)) return [];
  const problems: ParamsProblem[] = [];
  for (const e of check.Errors(params)) {
    problems.push({ path: e.path, message: e.message });
    if (problems.length >= 10) break;
  }
  return problems;
}
