/** The sidecar lifecycle class against the real Python sidecar on free loopback ports. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, test } from 'node:test';

import { canBind } from '../../electron/src/electron/health';
import { groupAlive } from '../../electron/src/electron/processTree';
import { Sidecar, type SidecarStatus } from '../../electron/src/electron/sidecar';
import { SidecarError } from '../../electron/src/electron/sidecarError';
import {
  childPids,
  closeServer,
  freePort,
  getJson,
  isAlive,
  nextStatus,
  PYTHON,
  realSidecarOptions,
  REPO,
  SIDECAR_SCRIPT,
  startForeignHttpServer,
  startSilentTcpServer,
  tempDir,
  waitFor,
} from './helpers';

const running: Sidecar[] = [];

/** A Sidecar that is stopped after the file's tests even if a test fails half-way. */
function track(sidecar: Sidecar): Sidecar {
  running.push(sidecar);
  return sidecar;
}

after(async () => {
  await Promise.all(running.map((s) => s.stop().catch(() => undefined)));
});

describe('Sidecar.buildLaunchArgs', () => {
  test('puts the entry script first, then host, port and data dir', () => {
    assert.deepEqual(Sidecar.buildLaunchArgs(['/repo/python-backend/app.py'], { host: '0.0.0.0', port: 5034, dataDir: '/d' }), [
      '/repo/python-backend/app.py', '--host', '0.0.0.0', '--port', '5034', '--data-dir', '/d',
    ]);
  });

  test('passes the app pid so the sidecar stops if the app is killed', () => {
    assert.deepEqual(Sidecar.buildLaunchArgs([], { host: '0.0.0.0', port: 5034, dataDir: '/d', parentPid: 4242 }), [
      '--host', '0.0.0.0', '--port', '5034', '--data-dir', '/d', '--parent-pid', '4242',
    ]);
  });

  test('has no entry for a frozen binary and keeps paths with spaces as one argument', () => {
    assert.deepEqual(Sidecar.buildLaunchArgs([], { host: '127.0.0.1', port: 6000, dataDir: '/My Data/x' }), [
      '--host', '127.0.0.1', '--port', '6000', '--data-dir', '/My Data/x',
    ]);
  });
});

describe('Sidecar start and stop', () => {
  test('start resolves once /health answers as our sidecar, and stop ends the process', async () => {
    const sidecar = track(new Sidecar(await realSidecarOptions()));
    const states: string[] = [];
    sidecar.on('status', (s: SidecarStatus) => states.push(s.state));
    await sidecar.start();
    const pid = sidecar.pid!;
    assert.ok(isAlive(pid));
    const health = await getJson(`${sidecar.baseUrl}/health`);
    assert.equal(health.status, 200);
    assert.equal(health.body.service, 'bulkmsg-sidecar');
    assert.equal(sidecar.status.state, 'ready');
    await sidecar.stop();
    assert.equal(isAlive(pid), false);
    assert.deepEqual(states, ['starting', 'ready', 'stopped']);
  });

  test('passes --data-dir through: the sidecar writes its log there', async () => {
    const options = await realSidecarOptions();
    const dataDir = options.args[options.args.indexOf('--data-dir') + 1];
    const sidecar = track(new Sidecar(options));
    await sidecar.start();
    await sidecar.stop();
    assert.ok(fs.existsSync(`${dataDir}/logs/sidecar.log`));
  });

  test('start twice is refused, while starting and once running', async () => {
    const sidecar = track(new Sidecar(await realSidecarOptions()));
    const first = sidecar.start();
    await assert.rejects(sidecar.start(), (e: SidecarError) => e.code === 'already_running');
    await first;
    await assert.rejects(sidecar.start(), (e: SidecarError) => e.code === 'already_running');
    await sidecar.stop();
  });

  test('can be started again after stop', async () => {
    const sidecar = track(new Sidecar(await realSidecarOptions()));
    await sidecar.start();
    const firstPid = sidecar.pid;
    await sidecar.stop();
    await sidecar.start();
    assert.notEqual(sidecar.pid, firstPid);
    assert.equal((await getJson(`${sidecar.baseUrl}/health`)).status, 200);
    await sidecar.stop();
  });
});

describe('Sidecar start failures', () => {
  test('a process that exits early rejects with its exit code and output', async () => {
    const sidecar = track(
      new Sidecar({ command: PYTHON, args: ['-c', 'import sys; print("boom: bad config"); sys.exit(3)'], port: await freePort(), bindHost: '127.0.0.1' }),
    );
    await assert.rejects(sidecar.start(), (e: SidecarError) => {
      assert.equal(e.code, 'early_exit');
      assert.match(e.message, /exit code 3/);
      assert.ok(e.logLines.includes('boom: bad config'), e.logLines.join('\n'));
      return true;
    });
    assert.equal(sidecar.status.state, 'failed');
  });

  test('the real sidecar given a bad argument exits early with its usage error in the log', async () => {
    const sidecar = track(
      new Sidecar({ command: PYTHON, args: [SIDECAR_SCRIPT, '--port', 'not-a-port'], port: await freePort(), bindHost: '127.0.0.1', cwd: REPO }),
    );
    await assert.rejects(sidecar.start(), (e: SidecarError) => {
      assert.equal(e.code, 'early_exit');
      assert.ok(e.logLines.some((line) => line.includes('--port')), e.logLines.join('\n'));
      return true;
    });
  });

  test('a missing executable rejects with spawn_failed', async () => {
    const sidecar = track(new Sidecar({ command: '/nonexistent/python3', args: [], port: await freePort(), bindHost: '127.0.0.1' }));
    await assert.rejects(sidecar.start(), (e: SidecarError) => e.code === 'spawn_failed' && /ENOENT/.test(e.message));
  });

  test('a process that never becomes healthy is killed after the ready timeout', async () => {
    const sidecar = track(
      new Sidecar({ command: PYTHON, args: ['-c', 'import time; time.sleep(60)'], port: await freePort(), bindHost: '127.0.0.1', readyTimeoutMs: 1_000 }),
    );
    const started = Date.now();
    const starting = sidecar.start();
    await waitFor(() => sidecar.pid !== undefined, 5_000, 'the process to be spawned');
    const pid = sidecar.pid!;
    await assert.rejects(starting, (e: SidecarError) => e.code === 'ready_timeout' && /within 1 s/.test(e.message));
    assert.ok(Date.now() - started < 5_000);
    assert.equal(isAlive(pid), false);
  });
});

describe('Sidecar port checks', () => {
  test('a foreign HTTP server on the port gives a clear port_in_use error naming the port', async () => {
    const port = await freePort();
    const foreign = await startForeignHttpServer(port, 200, '{"status": "healthy"}');
    try {
      const sidecar = track(new Sidecar(await realSidecarOptions({ port })));
      await assert.rejects(sidecar.start(), (e: SidecarError) => {
        assert.equal(e.code, 'port_in_use');
        assert.match(e.message, new RegExp(`Port ${port} is in use by another program`));
        return true;
      });
      assert.equal(sidecar.pid, undefined, 'no sidecar process was spawned');
      assert.equal(foreign.listening, true, 'the other program is left alone');
    } finally {
      await closeServer(foreign);
    }
  });

  test('a listener that does not speak HTTP is reported as another program too', async () => {
    const port = await freePort();
    const silent = await startSilentTcpServer(port);
    try {
      const sidecar = track(new Sidecar(await realSidecarOptions({ port })));
      await assert.rejects(sidecar.start(), (e: SidecarError) => e.code === 'port_in_use' && e.message.includes(String(port)));
    } finally {
      await closeServer(silent);
    }
  });

  test('another copy of our sidecar on the port is named as such', async () => {
    const first = track(new Sidecar(await realSidecarOptions()));
    await first.start();
    const second = track(new Sidecar(await realSidecarOptions({ port: Number(new URL(first.baseUrl).port) })));
    await assert.rejects(second.start(), (e: SidecarError) => e.code === 'port_in_use_by_sidecar' && /another Bulk Messaging sidecar/.test(e.message));
    assert.ok(isAlive(first.pid!), 'the running sidecar is untouched');
    await first.stop();
  });
});

describe('Sidecar on a data directory another sidecar owns', () => {
  test("is refused with the sidecar's own message, shown to the user, and the owner keeps running", async () => {
    const firstOptions = await realSidecarOptions();
    const dataDir = firstOptions.args[firstOptions.args.indexOf('--data-dir') + 1];
    const first = track(new Sidecar(firstOptions));
    await first.start();
    const port = await freePort();
    const second = track(new Sidecar(await realSidecarOptions({
      port, args: Sidecar.buildLaunchArgs([SIDECAR_SCRIPT], { host: '127.0.0.1', port, dataDir }),
    })));
    await assert.rejects(second.start(), (e: SidecarError) => {
      assert.equal(e.code, 'data_dir_in_use');
      assert.match(e.message, /^Another copy of Bulk Messaging is already running with the same data \(data directory in use: /);
      assert.ok(e.message.includes(dataDir) || e.logLines.some((l) => l.includes(dataDir)), e.logLines.join('\n'));
      return true;
    });
    assert.equal(second.status.state, 'failed');
    assert.match(second.status.message ?? '', /data directory in use/, 'the status the window shows carries the message');
    assert.ok(isAlive(first.pid!), 'the owner is untouched');
    assert.equal((await getJson(`${first.baseUrl}/health`)).status, 200);
    await first.stop();
  });
});

describe('Sidecar crash handling', () => {
  test('a crash after ready is announced, restarted, and the new process is healthy', async () => {
    const sidecar = track(new Sidecar(await realSidecarOptions()));
    await sidecar.start();
    const firstPid = sidecar.pid!;
    const restarting = nextStatus(sidecar, 'restarting');
    const readyAgain = nextStatus(sidecar, 'ready');
    process.kill(firstPid, 'SIGKILL');
    const notice = await restarting;
    assert.match(notice.message ?? '', /stopped unexpectedly \(signal SIGKILL\)/);
    const ready = await readyAgain;
    assert.equal(ready.restarts, 1);
    assert.notEqual(sidecar.pid, firstPid);
    assert.equal((await getJson(`${sidecar.baseUrl}/health`)).body.service, 'bulkmsg-sidecar');
    assert.ok(sidecar.logLines().some((l) => l.includes('exited unexpectedly')));
    await sidecar.stop();
  });

  test('past the restart limit it gives up with a failed status and a restart_limit error', async () => {
    const sidecar = track(new Sidecar(await realSidecarOptions({ maxRestarts: 1 })));
    await sidecar.start();
    const readyAgain = nextStatus(sidecar, 'ready');
    process.kill(sidecar.pid!, 'SIGKILL');
    await readyAgain;
    const failed = nextStatus(sidecar, 'failed');
    const failure = new Promise<SidecarError>((resolve) => sidecar.once('failed', resolve));
    const secondPid = sidecar.pid!;
    process.kill(secondPid, 'SIGKILL');
    assert.match((await failed).message ?? '', /keeps stopping/);
    const error = await failure;
    assert.equal(error.code, 'restart_limit');
    assert.ok(error.logLines.length > 0);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(sidecar.pid, undefined, 'no new process after giving up');
  });
});

describe('Sidecar stop takes the whole process tree', () => {
  test('a sidecar started under a wrapper shell leaves neither the shell nor its child behind', async () => {
    const options = await realSidecarOptions();
    // The trailing command keeps sh from exec-ing python, so python is a grandchild of ours.
    const wrapped = { ...options, command: '/bin/sh', args: ['-c', '"$0" "$@"; echo wrapper-done', PYTHON, ...options.args] };
    const sidecar = track(new Sidecar(wrapped));
    await sidecar.start();
    const shellPid = sidecar.pid!;
    const [pythonPid] = childPids(shellPid);
    assert.ok(pythonPid && isAlive(pythonPid), 'the sidecar runs as a grandchild');
    await sidecar.stop();
    await waitFor(() => !isAlive(pythonPid), 2_000, 'the grandchild to be gone');
    assert.equal(isAlive(shellPid), false);
    assert.ok(await canBind('127.0.0.1', options.port), 'the port is free again');
  });

  test('a tree that ignores SIGTERM is killed with SIGKILL after the stop timeout', async () => {
    const options = await realSidecarOptions({ stopTimeoutMs: 500 });
    // The shell ignores SIGTERM and, once the sidecar has stopped, lingers in a `sleep` that inherits
    // the ignored disposition: only SIGKILL ends that tree.
    const stubborn = { ...options, command: '/bin/sh', args: ['-c', 'trap "" TERM; "$0" "$@"; sleep 60', PYTHON, ...options.args] };
    const sidecar = track(new Sidecar(stubborn));
    await sidecar.start();
    const shellPid = sidecar.pid!;
    const [pythonPid] = childPids(shellPid);
    const started = Date.now();
    await sidecar.stop();
    assert.ok(Date.now() - started >= 450, 'waited for SIGTERM first');
    assert.equal(isAlive(pythonPid), false);
    assert.equal(isAlive(shellPid), false);
    assert.equal(groupAlive(shellPid), false, 'nothing of the tree is left, the sleep included');
  });

  test('stop during start aborts the start and leaves no process', async () => {
    const dataDir = tempDir();
    const sidecar = track(new Sidecar(await realSidecarOptions({ env: { BULKMSG_DATA_DIR: dataDir } })));
    const outcome = sidecar.start().then(
      () => assert.fail('start() resolved although stop() was called first'),
      (error: SidecarError) => error,
    );
    await waitFor(() => sidecar.pid !== undefined, 5_000, 'the process to be spawned');
    const pid = sidecar.pid!;
    await sidecar.stop();
    assert.equal((await outcome).code, 'stopped_during_start');
    assert.equal(isAlive(pid), false);
    assert.equal(sidecar.status.state, 'stopped');
  });
});
