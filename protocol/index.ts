/**
 * The orasd protocol: the single source of truth for method names, params, results and error
 * codes, shared by the daemon and every client. Imports nothing from src/.
 */
export * from './errors';
export * from './common';
export * from './artifacts';
export * from './content';
export * from './session';
export * from './cache';
export * from './cli';
export * from './progress';
export * from './methods';
export { validateParams, type ParamsProblem } from './validate';
export { protocolSchema } from './schema';
export { defaultSocketPath, socketFolderProblem, daemonEnv, CLIENT_REFUSAL } from './endpoint';
export { FORWARDED_ENV_NAMES, FORWARDED_ENV_PREFIXES, isForwardedEnv, forwardedEnv } from './caller-env';
