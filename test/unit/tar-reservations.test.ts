// SerialReservations (src/ops/tar-reservations.ts), the stand-in for node-tar's path reservations:
// one entry at a time, in order, nothing kept once done, and a count the feeder can wait on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SerialReservations } from '../../src/ops/tar-reservations';

test('entries run one at a time, in the order reserved; pending counts the waiting and the running', async () => {
  const r = new SerialReservations();
  const log: string[] = [];
  const finish: Array<() => void> = [];
  for (const name of ['a', 'b', 'c']) {
    r.reserve([name], (done) => {
      log.push(`start ${name}`);
      finish.push(() => {
        log.push(`end ${name}`);
        done();
      });
    });
  }
  assert.deepEqual(log, ['start a']);
  assert.equal(r.pending, 3);
  finish.shift()!();
  await Promise.resolve();
  assert.deepEqual(log, ['start a', 'end a', 'start b']);
  assert.equal(r.pending, 2);
  finish.shift()!();
  await Promise.resolve();
  finish.shift()!();
  await Promise.resolve();
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.equal(r.pending, 0);
});

test('settled(n) resolves once fewer than n wait; a done called twice does not start two entries', async () => {
  const r = new SerialReservations();
  const dones: Array<() => void> = [];
  for (let i = 0; i < 10; i++) r.reserve([`f${i}`], (done) => dones.push(done));
  let woke = false;
  const waiting = r.settled(6).then(() => (woke = true));
  for (let i = 0; i < 5; i++) {
    assert.equal(woke, false, `woke with ${r.pending} pending`);
    dones[i]!();
    dones[i]!();
    await Promise.resolve();
    await Promise.resolve();
  }
  await waiting;
  assert.equal(r.pending, 5);
  assert.equal(dones.length, 6, 'exactly the next entry started');
});

test('a million entries that finish at once neither deepen the stack nor stay referenced', async () => {
  const r = new SerialReservations();
  let ran = 0;
  for (let i = 0; i < 1_000_000; i++) {
    r.reserve([`f${i}`], (done) => {
      ran++;
      done();
    });
    if (r.pending >= 256) await r.settled(128);
  }
  await r.settled(1);
  assert.equal(ran, 1_000_000);
  assert.equal(r.pending, 0);
});
