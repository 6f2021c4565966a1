// The oras command line without a registry: pflag-style parsing, the per-command meaning of
// flags, oras's usage errors and exit codes, and the Go-compatible output encoders.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { Engine } from '../src/api/engine';
import { parseFlags, splitCsv, UsageError, type FlagSpec } from '../src/cli/args';
import { rootCommand } from '../src/cli/commands';
import type { CommandDef } from '../src/cli/command';
import { runCliInMemory } from '../src/cli/memory-io';
import { goCompactJson, goMap, goPrettyJson, indentJsonText } from '../src/cli/output/json';
import { discoverTree } from '../src/cli/output/tree';
import { yamlPair, yamlScalar } from '../src/cli/output/yaml';
import { createLogger } from '../src/log';

const log = createLogger({ level: 'silent' });
const engine = new Engine({ log });
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-cli-args-'));
after(async () => {
  await engine.close();
  fs.rmSync(cwd, { recursive: true, force: true });
});

const oras = (...argv: string[]) => runCliInMemory(engine, argv, { cwd, log });

function command(...names: string[]): CommandDef {
  let def = rootCommand;
  for (const n of names) def = def.subcommands!.find((c) => c.name === n)!;
  return def;
}

const specs: FlagSpec[] = [
  { name: 'recursive', short: 'r', type: 'bool', usage: '' },
  { name: 'force', short: 'f', type: 'bool', usage: '' },
  { name: 'output', short: 'o', type: 'string', usage: '' },
  { name: 'annotation', short: 'a', type: 'stringArray', usage: '' },
  { name: 'media-type', type: 'stringSlice', usage: '' },
  { name: 'concurrency', type: 'int', default: 3, usage: '' },
];

describe('flag parsing (pflag rules)', () => {
  test('long forms: --flag value, --flag=value, bool --flag=false, defaults', () => {
    const p = parseFlags(['--output', 'dir', 'ref', '--concurrency=7', '--force=false'], specs);
    assert.equal(p.values.get('output'), 'dir');
    assert.equal(p.values.get('concurrency'), 7);
    assert.equal(p.values.get('force'), false);
    assert.ok(p.changed.has('force'));
    assert.deepEqual(p.args, ['ref']);
    assert.equal(parseFlags([], specs).values.get('concurrency'), 3);
  });

  test('short forms: combined booleans, glued value, -o=value, value after a run', () => {
    let p = parseFlags(['-rf', 'a', 'b'], specs);
    assert.equal(p.values.get('recursive'), true);
    assert.equal(p.values.get('force'), true);
    assert.deepEqual(p.args, ['a', 'b']);
    p = parseFlags(['-odir'], specs);
    assert.equal(p.values.get('output'), 'dir');
    p = parseFlags(['-o=dir'], specs);
    assert.equal(p.values.get('output'), 'dir');
    p = parseFlags(['-rfo', 'dir'], specs);
    assert.equal(p.values.get('output'), 'dir');
    assert.equal(p.values.get('recursive'), true);
    p = parseFlags(['-o', '-'], specs);
    assert.equal(p.values.get('output'), '-');
  });

  test('repeatable flags and comma-separated slices', () => {
    const p = parseFlags(['-a', 'k1=v1', '--annotation', 'k2=v,2', '--media-type', 'a,b', '--media-type=c'], specs);
    assert.deepEqual(p.values.get('annotation'), ['k1=v1', 'k2=v,2']);
    assert.deepEqual(p.values.get('media-type'), ['a', 'b', 'c']);
    assert.deepEqual(splitCsv('"x,y",z'), ['x,y', 'z']);
  });

  test('"--" ends the options; a lone "-" is an argument; flags may follow arguments', () => {
    const p = parseFlags(['ref', '-', '-r', '--', '-f', '--output'], specs);
    assert.deepEqual(p.args, ['ref', '-', '-f', '--output']);
    assert.equal(p.values.get('recursive'), true);
    assert.equal(p.values.get('force'), false);
  });

  test('pflag error texts', () => {
    const err = (argv: string[]) => {
      try {
        parseFlags(argv, specs);
      } catch (e) {
        assert.ok(e instanceof UsageError);
        return e.message;
      }
      assert.fail('no error');
    };
    assert.equal(err(['--bogus']), 'unknown flag: --bogus');
    assert.equal(err(['-z']), "unknown shorthand flag: 'z' in -z");
    assert.equal(err(['-rz']), "unknown shorthand flag: 'z' in -rz");
    assert.equal(err(['--output']), 'flag needs an argument: --output');
    assert.equal(err(['-o']), "flag needs an argument: 'o' in -o");
    assert.equal(err(['--concurrency', 'abc']), 'invalid argument "abc" for "--concurrency" flag: strconv.ParseInt: parsing "abc": invalid syntax');
    assert.equal(err(['--force=maybe']), 'invalid argument "maybe" for "-f, --force" flag: strconv.ParseBool: parsing "maybe": invalid syntax');
  });

  test('-o means the output folder for pull, the format for discover, a file for manifest fetch', () => {
    assert.equal(parseFlags(['-o', './download', 'r'], command('pull').flags!).values.get('output'), './download');
    assert.equal(command('pull').flags!.find((f) => f.name === 'output')!.default, '.');
    assert.equal(command('discover').flags!.find((f) => f.name === 'output')!.default, 'tree');
    assert.equal(command('manifest', 'fetch').flags!.find((f) => f.short === 'o')!.name, 'output');
  });

  test('the 2021 flags and every flag of the brief exist where oras 1.3 has them', () => {
    const has = (def: CommandDef, ...names: string[]) => {
      for (const n of names) assert.ok(def.flags!.some((f) => f.name === n), `${def.name} --${n}`);
    };
    const remote = ['username', 'password', 'identity-token', 'plain-http', 'insecure', 'ca-file', 'registry-config', 'password-stdin', 'identity-token-stdin', 'oci-layout', 'debug', 'verbose'];
    has(command('push'), ...remote, 'manifest-config', 'config', 'artifact-type', 'annotation', 'annotation-file', 'export-manifest', 'format', 'concurrency', 'image-spec', 'disable-path-validation', 'no-tty');
    has(command('pull'), ...remote, 'media-type', 'output', 'keep-old-files', 'allow-path-traversal', 'include-subject', 'platform', 'format', 'concurrency', 'no-tty');
    has(command('attach'), ...remote, 'artifact-type', 'annotation', 'annotation-file', 'export-manifest', 'distribution-spec', 'platform', 'format');
    has(command('discover'), ...remote, 'artifact-type', 'output', 'format', 'depth', 'distribution-spec', 'platform');
    has(command('cp'), 'recursive', 'concurrency', 'platform', 'from-oci-layout', 'to-oci-layout', 'from-plain-http', 'to-plain-http', 'from-username', 'to-password', 'from-registry-config', 'to-ca-file', 'from-insecure', 'to-distribution-spec');
    has(command('manifest', 'delete'), 'force', 'cascade', 'descriptor', 'distribution-spec');
    has(command('manifest', 'fetch'), 'pretty', 'descriptor', 'output', 'media-type', 'platform');
    has(command('repo', 'tags'), 'exclude-digest-tags', 'last');
    has(command('login'), 'username', 'password', 'password-stdin', 'identity-token', 'identity-token-stdin', 'registry-config');
    has(command('resolve'), 'full-reference');
    assert.equal(command('pull').flags!.find((f) => f.name === 'keep-old-files')!.short, 'k');
    assert.equal(command('pull').flags!.find((f) => f.name === 'allow-path-traversal')!.short, 'T');
    assert.equal(command('cp').flags!.find((f) => f.name === 'recursive')!.short, 'r');
    assert.equal(command('resolve').flags!.find((f) => f.name === 'full-reference')!.short, 'l');
  });
});

describe('usage errors and help, as oras prints them', () => {
  test('unknown flag, unknown command, missing arguments, required flag: exit 1', async () => {
    let r = await oras('push', '--bogus', 'x');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error: unknown flag: --bogus\n');
    r = await oras('bogus');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error: unknown command "bogus" for "oras"\nRun \'oras --help\' for usage.\n');
    r = await oras('push');
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'Error: "oras push" requires at least 1 argument but got 0\nUsage: oras push [flags] <name>[:<tag>[,<tag>][...]] <file>[:<type>] [...]\nPlease specify at least 1 argument as the destination for pushing. Run "oras push -h" for more options and examples\n',
    );
    r = await oras('attach', 'localhost:5000/a:v1', 'x');
    assert.equal(r.stderr, 'Error: required flag(s) "artifact-type" not set\n');
    r = await oras('pull', 'a', 'b');
    assert.match(r.stderr, /^Error: "oras pull" requires exactly 1 argument but got 2\n/);
  });

  test('flag value checks: image-spec, distribution-spec, format, depth, conflicting flags', async () => {
    let r = await oras('push', '--image-spec', 'v2', 'localhost:5000/a:v1');
    assert.equal(r.stderr, 'Error: invalid argument "v2" for "--image-spec" flag: unknown image specification flag: v2\nAvailable options: v1.1, v1.0\n');
    r = await oras('attach', '--artifact-type', 'x', '--distribution-spec', 'nope', 'localhost:5000/a:v1');
    assert.match(r.stderr, /unknown distribution specification flag: nope\nAvailable options: v1.1-referrers-tag, v1.1-referrers-api\n$/);
    r = await oras('discover', '--format', 'xml', 'localhost:5000/a:v1');
    assert.equal(r.stderr, 'Error: invalid format type: "xml"\nsupported types: table, json, go-template, tree\n');
    r = await oras('discover', '--depth', '0', 'localhost:5000/a:v1');
    assert.equal(r.stderr, 'Error: depth value should be at least 1\n');
    r = await oras('discover', '-o', 'json', '--format', 'tree', 'localhost:5000/a:v1');
    assert.equal(r.stderr, 'Error: --format, --output cannot be used at the same time\n');
    r = await oras('push', '--config', 'c.json', '--image-spec', 'v1.1', 'localhost:5000/a:v1');
    assert.match(r.stderr, /^Error: missing artifact type for OCI image-spec v1.1 artifacts\n/);
    r = await oras('push', '-a', 'novalue', 'localhost:5000/a:v1');
    assert.match(r.stderr, /annotation value doesn't match the required format/);
    r = await oras('push', '-a', 'k=1', '--annotation-file', 'a.json', 'localhost:5000/a:v1');
    assert.equal(r.stderr, 'Error: `--annotation` and `--annotation-file` cannot be both specified\n');
    r = await oras('push', 'localhost:5000/a:v1', '/etc/hosts');
    assert.match(r.stderr, /absolute file path detected/);
    r = await oras('manifest', 'delete', '--descriptor', 'localhost:5000/a:v1');
    assert.equal(r.stderr, 'Error: must apply --force to confirm the deletion if the descriptor is outputted\n');
    r = await oras('blob', 'fetch', 'localhost:5000/a@sha256:' + '0'.repeat(64));
    assert.equal(r.stderr, 'Error: either `--output` or `--descriptor` must be provided\n');
    r = await oras('pull', 'localhost:5000/a');
    assert.match(r.stderr, /^Error: "localhost:5000\/a": no tag or digest specified\nUsage: oras pull/);
    r = await oras('pull', 'localhost:5000/Bad:v1');
    assert.match(r.stderr, /^Error: "localhost:5000\/Bad:v1": invalid reference: .*\nPlease make sure the provided reference is in the form of <registry>\/<repo>\[:tag\|@digest\]\n$/);
    r = await oras('login', '-u', 'u', '-p', 'p', '--password-stdin', 'localhost:5000');
    assert.equal(r.stderr, 'Error: --password, --password-stdin cannot be used at the same time\n');
  });

  test('help: --help, -h, help <command>, command groups; exit 0 on stdout', async () => {
    for (const argv of [['--help'], ['-h'], [], ['help']]) {
      const r = await oras(...argv);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Usage:\n {2}oras \[command\]\n\nAvailable Commands:\n {2}attach {6}Attach files/);
    }
    let r = await oras('push', '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\nUsage:\n {2}oras push \[flags\] <name>/);
    assert.match(r.stdout, /\n {2}-a, --annotation stringArray +manifest annotations\n/);
    assert.match(r.stdout, /--concurrency int +concurrency level \(default 5\)\n/);
    r = await oras('help', 'manifest', 'fetch');
    assert.match(r.stdout, /^Fetch manifest of the target artifact\n/);
    assert.match(r.stdout, /\nAliases:\n {2}fetch, get, show\n/);
    r = await oras('manifest');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Available Commands:\n {2}delete {7}Delete a manifest/);
    r = await oras('cp', '-h');
    assert.match(r.stdout, /Aliases:\n {2}cp, copy\n/);
  });

  test('version; deprecated --verbose warns like cobra', async () => {
    let r = await oras('version');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Version: +1\.3\.\d+\+orasd\./);
    r = await oras('version', 'x');
    assert.equal(r.stderr, 'warning: `oras version` requires no argument, "x" will be ignored\n');
    r = await oras('resolve', '-v', 'localhost:5000/a');
    assert.match(r.stderr, /^Flag --verbose has been deprecated, and will be removed in a future release.\n/);
  });
});

describe('output encoders', () => {
  test('Go JSON: field order kept, map keys sorted, HTML characters escaped, indent', () => {
    assert.equal(goCompactJson({ b: 1, a: '<&>', m: goMap({ z: '1', a: '2' }), e: [], n: undefined }), '{"b":1,"a":"\\u003c\\u0026\\u003e","m":{"a":"2","z":"1"},"e":[]}');
    assert.equal(goPrettyJson({ a: [1, {}], b: null }), '{\n  "a": [\n    1,\n    {}\n  ],\n  "b": null\n}\n');
  });

  test('json.Indent keeps bytes and order', () => {
    assert.equal(indentJsonText('{"z":1.50,"a":[],"s":"x\\"y:{"}'), '{\n  "z": 1.50,\n  "a": [],\n  "s": "x\\"y:{"\n}\n');
  });

  test('YAML scalars as yaml.v3 quotes them', () => {
    assert.equal(yamlPair('org.opencontainers.image.created', '2023-01-10T14:44:06Z'), 'org.opencontainers.image.created: "2023-01-10T14:44:06Z"');
    assert.equal(yamlPair('foo', 'bar'), 'foo: bar');
    assert.equal(yamlScalar('true'), '"true"');
    assert.equal(yamlScalar('yes'), '"yes"');
    assert.equal(yamlScalar('123'), '"123"');
    assert.equal(yamlScalar(''), '""');
    assert.equal(yamlScalar('a: b'), "'a: b'");
    assert.equal(yamlScalar('- x'), "'- x'");
    assert.equal(yamlScalar('it\'s'), "it's");
  });

  test('discover tree: artifact types group referrers, annotations, nesting', () => {
    const d = (n: string) => `sha256:${n.repeat(64)}`;
    const node = (digest: string, artifactType: string, referrers: unknown[] = [], annotations?: Record<string, string>) => ({
      reference: `r@${digest}`,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size: 1,
      artifactType,
      ...(annotations ? { annotations } : {}),
      referrers,
    });
    const root = node(d('0'), '', [
      node(d('1'), 'sbom/example', [node(d('2'), 'signature/example')]),
      node(d('3'), 'signature/example', [], { b: '1', a: 'x' }),
      node(d('4'), 'sbom/example'),
    ]) as never;
    assert.equal(
      discoverTree('reg/repo', root, { verbose: true, color: false }),
      [
        `reg/repo@${d('0')}`,
        '├── sbom/example',
        `│   ├── ${d('1')}`,
        '│   │   └── signature/example',
        `│   │       └── ${d('2')}`,
        `│   └── ${d('4')}`,
        '└── signature/example',
        `    └── ${d('3')}`,
        '        └── [annotations]',
        '            ├── a: x',
        '            └── b: "1"',
        '',
      ].join('\n'),
    );
  });
});
