import { VERSION } from '../../version';
import type { CommandDef } from '../command';

/** The oras release whose command line this one follows. */
export const ORAS_COMPAT_VERSION = '1.3.0';

const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };

export const versionCommand: CommandDef = {
  name: 'version',
  short: 'Show the oras version information',
  long: `Show the oras version information

Example - print version:
  oras version`,
  use: '',
  flags: [],
  run: async (c) => {
    if (c.args.length) c.err(`warning: \`oras version\` requires no argument, "${c.args.join(',')}" will be ignored\n`);
    const items: [string, string][] = [
      ['Version', `${ORAS_COMPAT_VERSION}+orasd.${VERSION}`],
      ['Runtime', `node ${process.version} (orasd ${VERSION})`],
      ['OS/Arch', `${process.platform}/${GO_ARCH[process.arch] ?? process.arch}`],
    ];
    const width = Math.max(...items.map(([k]) => k.length));
    for (const [k, v] of items) c.out(`${k}: ${' '.repeat(width - k.length)}${v}\n`);
  },
};
