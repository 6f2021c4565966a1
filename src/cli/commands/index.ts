import type { CommandDef } from '../command';
import { attachCommand } from './attach';
import { loginCommand, logoutCommand } from './auth';
import { blobCommand } from './blob';
import { copyCommand } from './copy';
import { discoverCommand } from './discover';
import { manifestCommand } from './manifest';
import { pullCommand } from './pull';
import { pushCommand } from './push';
import { repoCommand } from './repo';
import { resolveCommand, tagCommand } from './tag';
import { versionCommand } from './version';

export const rootCommand: CommandDef = {
  name: 'oras',
  short: '',
  subcommands: [
    attachCommand,
    blobCommand,
    copyCommand,
    discoverCommand,
    { name: 'help', short: 'Help about any command' },
    loginCommand,
    logoutCommand,
    manifestCommand,
    pullCommand,
    pushCommand,
    repoCommand,
    resolveCommand,
    tagCommand,
    versionCommand,
  ],
};
