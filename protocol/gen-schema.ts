/**
 * Writes protocol/schema.json, the language-neutral form of the contract (and protocol/config.schema.json, the daemon's config file), from the TypeScript
 * definitions. Run by `npm run gen`; a test fails when the committed file drifts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonConfig } from './config';
import { protocolSchema } from './schema';

export const SCHEMA_PATH = join(__dirname, '..', '..', 'protocol', 'schema.json');

export const CONFIG_SCHEMA_PATH = join(__dirname, '..', '..', 'protocol', 'config.schema.json');

/** The daemon's config file (protocol/config.ts) as JSON Schema, for editors and other tools. */
export function renderConfigSchema(): string {
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', title: 'orasd config.json', ...DaemonConfig }, null, 2)}\n`;
}

export function renderSchema(): string {
  return `${JSON.stringify(protocolSchema(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(SCHEMA_PATH, renderSchema());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
  writeFileSync(CONFIG_SCHEMA_PATH, renderConfigSchema());
  process.stdout.write(`wrote ${CONFIG_SCHEMA_PATH}\n`);
}
