import { ErrorCodes, OrasdError } from '../errors';

const FS_CODES: Record<string, { code: OrasdError['code']; what: string }> = {
  ENOENT: { code: ErrorCodes.FileNotFound, what: 'no such file or folder' },
  ENOTDIR: { code: ErrorCodes.FileNotFound, what: 'a path component is not a folder' },
  EEXIST: { code: ErrorCodes.FileExists, what: 'already exists' },
  EISDIR: { code: ErrorCodes.FileExists, what: 'a folder is in the way' },
  ENOTEMPTY: { code: ErrorCodes.FileExists, what: 'a folder that is not empty is in the way' },
  EACCES: { code: ErrorCodes.InvalidArgument, what: 'permission denied' },
  EPERM: { code: ErrorCodes.InvalidArgument, what: 'operation not permitted' },
  EROFS: { code: ErrorCodes.InvalidArgument, what: 'read-only file system' },
  ENAMETOOLONG: { code: ErrorCodes.InvalidArgument, what: 'file name too long' },
  ENOSPC: { code: ErrorCodes.InvalidArgument, what: 'no space left on the device' },
  EDQUOT: { code: ErrorCodes.InvalidArgument, what: 'disk quota exceeded' },
  EMFILE: { code: ErrorCodes.InvalidArgument, what: 'too many open files' },
  ELOOP: { code: ErrorCodes.InvalidArgument, what: 'too many levels of symbolic links' },
};

/**
 * A file-system failure that escaped an operation (a full disk, a folder without write access,
 * a path the OS refuses) is about the caller's machine, not a bug: it gets a documented code
 * naming the path, rather than INTERNAL_ERROR.
 */
export function fromFsError(e: unknown): OrasdError | undefined {
  if (!(e instanceof Error)) return undefined;
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ERR_INVALID_ARG_VALUE' && /null bytes/.test(err.message)) {
    return new OrasdError(ErrorCodes.InvalidArgument, 'a path contains a NUL character', {}, { cause: e });
  }
  const known = err.code ? FS_CODES[err.code] : undefined;
  if (!known || typeof err.syscall !== 'string') return undefined;
  const path = typeof err.path === 'string' ? err.path : undefined;
  return new OrasdError(known.code, `cannot ${err.syscall}${path ? ` ${path}` : ''}: ${known.what}`, path ? { path } : {}, { cause: e });
}
