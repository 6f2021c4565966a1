import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { DiscoverNode } from '../../protocol/artifacts';
import { Examples } from '../../protocol/examples';
import { DOCS_PATH, renderDocs } from '../../protocol/gen-docs';
import { CONFIG_SCHEMA_PATH, renderConfigSchema, renderSchema, SCHEMA_PATH } from '../../protocol/gen-schema';
import { MethodsByName } from '../../protocol/methods';
import { handlers } from '../../src/api/handlers';

test('protocol/schema.json and PROTOCOL.md are what protocol/*.ts generate (run `npm run gen`)', () => {
  assert.equal(readFileSync(SCHEMA_PATH, 'utf8'), renderSchema());
  assert.equal(readFileSync(CONFIG_SCHEMA_PATH, 'utf8'), renderConfigSchema());
  assert.equal(readFileSync(DOCS_PATH, 'utf8'), renderDocs());
});

test('every method has an example, and every example fits the schemas', () => {
  for (const [name, m] of MethodsByName) {
    const ex = Examples[name];
    assert.ok(ex, `no example for ${name}`);
    const params = TypeCompiler.Compile(m.params);
    assert.ok(params.Check(ex.params), `${name} example params: ${[...params.Errors(ex.params)].map((e) => `${e.path} ${e.message}`).join('; ')}`);
    if (m.result && ex.result !== undefined) {
      const result = TypeCompiler.Compile(m.result, [DiscoverNode]);
      assert.ok(result.Check(ex.result), `${name} example result: ${[...result.Errors(ex.result)].map((e) => `${e.path} ${e.message}`).join('; ')}`);
    }
  }
});

test('every client request is served by the daemon', () => {
  const lifecycle = new Set(['initialize', 'shutdown', 'status', 'cli/run']);
  for (const [name, m] of MethodsByName) {
    if (m.kind !== 'request' || m.direction !== 'client→server') continue;
    assert.ok(handlers[name] || lifecycle.has(name), `no handler for ${name}`);
  }
});
