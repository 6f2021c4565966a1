import type { LoginResult, LogoutResult } from '../../../protocol';
import type { CommandDef, Context } from '../command';
import { CliError } from '../errors';
import { debugFlag, remoteFlags, stdinSecretFlags, verboseFlag } from '../flagsets';
import { exclusive, readAllStdin, rejectUnsupported, warnInsecureSecret } from '../targets';
import { readStdinLine } from './confirm';

/** oras's readLine: the prompt on stdout, the answer from the terminal (hidden when secret) or stdin. */
async function ask(c: Context, message: string, secret: boolean): Promise<string> {
  if (c.io.stdinIsTTY) return c.io.prompt(message, secret);
  c.out(message);
  return readStdinLine(c);
}

export const loginCommand: CommandDef = {
  name: 'login',
  short: 'Log in to a remote registry',
  long: `Log in to a remote registry

Example - Log in with a username and password read from stdin:
  oras login -u username --password-stdin localhost:5000

Example - Log in with an identity token:
  oras login --identity-token-stdin localhost:5000

Example - Log in, typing the username and password on the terminal:
  oras login localhost:5000`,
  use: '[flags] <registry>',
  args: { exact: 1, text: 'the registry to log in to' },
  flags: [debugFlag, ...remoteFlags(), ...stdinSecretFlags, verboseFlag(false)],
  run: async (c) => {
    const f = c.flags;
    rejectUnsupported(c);
    exclusive(c, 'username', 'identity-token', 'identity-token-stdin');
    exclusive(c, 'password', 'identity-token', 'identity-token-stdin', 'password-stdin');
    warnInsecureSecret(c);
    let username = f.str('username');
    let secret = f.str('password') || f.str('identity-token');
    if (!secret && (f.bool('password-stdin') || f.bool('identity-token-stdin'))) {
      secret = (await readAllStdin(c, 1024 * 1024)).toString('utf8').replace(/\n$/, '').replace(/\r$/, '');
    }
    if (!secret) {
      if (!username) username = (await ask(c, 'Username: ', false)).trim();
      if (!username) {
        secret = await ask(c, 'Token: ', true);
        if (!secret) throw new CliError('token required');
      } else {
        secret = await ask(c, 'Password: ', true);
        if (!secret) throw new CliError('password required');
      }
    }
    const configs = f.list('registry-config');
    await c.call<LoginResult>('login', {
      registry: c.args[0]!,
      ...(username ? { username, password: secret } : { identityToken: secret }),
      ...(configs.length ? { registryConfig: configs[0] } : {}),
      ...(f.bool('plain-http') ? { plainHttp: true } : {}),
      ...(f.bool('insecure') ? { insecure: true } : {}),
      ...(f.str('ca-file') ? { caFile: f.str('ca-file') } : {}),
    });
    c.println('Login Succeeded');
  },
};

export const logoutCommand: CommandDef = {
  name: 'logout',
  short: 'Log out from a remote registry',
  long: `Log out from a remote registry

Example - Log out:
  oras logout localhost:5000`,
  use: '[flags] <registry>',
  args: { exact: 1, text: 'the registry you want to log out' },
  flags: [
    { name: 'debug', short: 'd', type: 'bool', usage: 'debug mode' },
    { name: 'registry-config', type: 'stringArray', usage: 'auth config path' },
  ],
  run: async (c) => {
    const configs = c.flags.list('registry-config');
    await c.call<LogoutResult>('logout', { registry: c.args[0]!, ...(configs.length ? { registryConfig: configs[0] } : {}) });
  },
};
