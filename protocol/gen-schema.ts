/**
 * Writes protocol/schema.json, the language-neutral form of the contract, from the TypeScript
 * definitions. Run by `npm run gen`; a test fails when the committed file drifts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { protocolSchema } from './schema';

export const SCHEMA_PATH = join(__dirname, '..', '..', 'protocol', 'schema.json');

export function renderSchema(): string {
  return `${JSON.stringify(protocolSchema(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(SCHEMA_PATH, renderSchema());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
