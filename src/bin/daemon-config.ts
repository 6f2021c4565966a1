import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CONFIG_ENV, DaemonConfig } from '../../protocol/config';

/** $ORASD_CONFIG, else $XDG_CONFIG_HOME/orasd/config.json, else ~/.config/orasd/config.json. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env[CONFIG_ENV]) return resolve(env[CONFIG_ENV]);
  // The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored.
  const base = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'orasd', 'config.json');
}

export class ConfigError extends Error {}

const check = TypeCompiler.Compile(DaemonConfig);

/**
 * The config file's settings; none when it does not exist. A file that is there but is not valid
 * JSON, or breaks the schema (protocol/config.ts), throws ConfigError naming the file and key:
 * a daemon that ignored it would silently run with other settings than its user wrote.
 */
export function loadConfig(path: string): DaemonConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`cannot read the config file ${path}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`the config file ${path} is not JSON: ${(e as Error).message}; fix it or remove it`);
  }
  if (!check.Check(value)) {
    const first = check.Errors(value).First()!;
    const key = first.path.replace(/^\//, '').replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.') || '(the whole file)';
    const known = Object.keys(DaemonConfig.properties).filter((k) => k !== '$schema');
    const choices = (first.schema.anyOf as { const?: unknown }[] | undefined)?.map((s) => s.const).filter((c) => c !== undefined);
    const problem = choices?.length ? `expected one of ${choices.join(', ')}` : first.message;
    const hint = !known.includes(key.split(/[.[]/)[0]!) ? `; known keys: ${known.join(', ')}` : '';
    throw new ConfigError(`the config file ${path} is invalid: ${key}: ${problem} (got ${JSON.stringify(first.value)})${hint}; see protocol/config.schema.json`);
  }
  return value;
}
