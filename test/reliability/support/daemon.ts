// A private daemon for the reliability tests: short registry timeouts and retry pauses (so a
// stalled registry fails a request in seconds), and its own TMPDIR, so that what it leaves in
// its temporary folder can be checked.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrasdRequestError } from '../../../clients/typescript/client';
import { startDaemon, type TestDaemon } from '../../support/daemon';

export interface ReliabilityDaemon extends TestDaemon {
  tmp: string;
}

export const REGISTRY_TIMEOUT_S = 2;
export const RETRY_ATTEMPTS = 3;

export async function startQuickDaemon(extraEnv: NodeJS.ProcessEnv = {}): Promise<ReliabilityDaemon> {
  const tmp = await mkdtemp(join(tmpdir(), 'orasd-rel-tmp-'));
  const d = await startDaemon({
    env: { TMPDIR: tmp, ...extraEnv },
    args: ['--registry-timeout', String(REGISTRY_TIMEOUT_S), '--retry-attempts', String(RETRY_ATTEMPTS), '--retry-delay', '20'],
  });
  return Object.assign(d, { tmp });
}

/**
 * The error a call failed with, or undefined when it succeeded; `hung` when no answer came within
 * `deadlineMs` (a request that never answers is a failure to report, not a test to wait on for ever).
 */
export async function outcome<T>(p: Promise<T>, deadlineMs = 120_000): Promise<{ value?: T; error?: OrasdRequestError; hung?: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), deadlineMs)));
  try {
    const v = await Promise.race([p, late]);
    return v === 'hung' ? { hung: true } : { value: v as T };
  } catch (e) {
    if (e instanceof OrasdRequestError) return { error: e };
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs tasks with at most `limit` at once. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** Polls until `cond` holds (or throws after `timeoutMs`). */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { pidAlive } from '../../../src/server/pid-alive';

/** The error a call that must fail failed with; the test fails if it succeeded. */
export async function failure(p: Promise<unknown>): Promise<OrasdRequestError> {
  try {
    await p;
  } catch (e) {
    return e as OrasdRequestError;
  }
  throw new Error('expected the call to fail');
}

/**
 * A daemon whose state folder (its working folder too), temporary folder and docker config all
 * live under `root`, for feeding it hostile input: whatever it writes by mistake can be found there.
 * It is started from `root/cwd`.
 */
export async function startSandboxedDaemon(root: string): Promise<ReliabilityDaemon> {
  const { mkdir } = await import('node:fs/promises');
  const tmp = join(root, 'tmp');
  await mkdir(tmp, { recursive: true });
  await mkdir(join(root, 'cwd'), { recursive: true });
  const d = await startDaemon({
    dir: join(root, 'state'),
    cwd: join(root, 'cwd'),
    env: { TMPDIR: tmp, HOME: join(root, 'home'), DOCKER_CONFIG: join(root, 'docker') },
    args: ['--registry-timeout', String(REGISTRY_TIMEOUT_S), '--retry-attempts', '2', '--retry-delay', '10'],
  });
  return Object.assign(d, { tmp });
}

/** What a daemon keeps in its state folder: its socket, its log, its temp-file journal. */
export const STATE_FILES = /^(orasd\.sock|orasd\.log|temps-\d+\.journal)$/;
