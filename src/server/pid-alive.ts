/** Whether a process exists (EPERM: it does, owned by someone else). Signal 0 probes without signalling. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
