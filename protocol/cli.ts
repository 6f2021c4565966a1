import { Type, type Static } from '@sinclair/typebox';
import { Obj } from './common';

/**
 * The oras command line runs inside the daemon; launchers only forward (the nailgun model).
 * `token` ties the streamed output, prompts and stdin reads to one run, so a client can
 * run several commands over one connection.
 */
export const CliRunParams = Obj({
  token: Type.Union([Type.String(), Type.Integer()]),
  argv: Type.Array(Type.String(), { description: 'Arguments after the program name, e.g. ["push", "localhost:5000/a:v1", "f.txt"]' }),
  cwd: Type.String({ description: 'Absolute working directory of the launcher' }),
  env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Relevant environment: DOCKER_CONFIG, HOME, NO_COLOR, TERM, ...' })),
  stdinIsTTY: Type.Optional(Type.Boolean()),
  stdoutIsTTY: Type.Optional(Type.Boolean()),
  stderrIsTTY: Type.Optional(Type.Boolean()),
  columns: Type.Optional(Type.Integer({ minimum: 0 })),
  clientVersion: Type.Optional(Type.String({ description: 'Version of the launcher; a newer one is answered DAEMON_OUTDATED' })),
  clientBuild: Type.Optional(Type.String({ description: 'Build id of the launcher\'s package; of the same version but another build, the daemon answers DAEMON_OUTDATED' })),
});
export type CliRunParams = Static<typeof CliRunParams>;
export const CliRunResult = Obj({ exitCode: Type.Integer() });
export type CliRunResult = Static<typeof CliRunResult>;

/** Daemon → client notification: bytes for the launcher's stdout or stderr. */
export const CliOutputParams = Obj({
  token: Type.Union([Type.String(), Type.Integer()]),
  stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]),
  data: Type.String({ description: 'Text to write as is (UTF-8)' }),
});
export type CliOutputParams = Static<typeof CliOutputParams>;

/** Daemon → client request: ask the user on the terminal. */
export const CliPromptParams = Obj({
  token: Type.Union([Type.String(), Type.Integer()]),
  message: Type.String(),
  secret: Type.Boolean({ description: 'Do not echo what is typed' }),
});
export type CliPromptParams = Static<typeof CliPromptParams>;
export const CliPromptResult = Obj({ value: Type.String() });
export type CliPromptResult = Static<typeof CliPromptResult>;

/** Daemon → client request: the next chunk of the launcher's stdin (for --password-stdin, `manifest push -`, `blob push -`). */
export const CliStdinParams = Obj({
  token: Type.Union([Type.String(), Type.Integer()]),
  maxBytes: Type.Integer({ minimum: 1 }),
});
export type CliStdinParams = Static<typeof CliStdinParams>;
export const CliStdinResult = Obj({
  data: Type.String({ description: 'base64 of the bytes read' }),
  eof: Type.Boolean(),
});
export type CliStdinResult = Static<typeof CliStdinResult>;
