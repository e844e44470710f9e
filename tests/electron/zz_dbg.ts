import { Sidecar } from '/work/main/electron/src/electron/sidecar';
import { canBind } from '/work/main/electron/src/electron/health';
import { realSidecarOptions, childPids, isAlive, PYTHON } from '/work/main/tests/electron/helpers';
import { execSync } from 'node:child_process';
(async () => {
  const options = await realSidecarOptions();
  const wrapped = { ...options, command: '/bin/sh', args: ['-c', '"$0" "$@"; echo wrapper-done', PYTHON, ...options.args] };
  const s = new Sidecar(wrapped);
  s.on('status', (st) => console.log('status', st));
  await s.start();
  const sh = s.pid!; const kids = childPids(sh);
  console.log('sh', sh, 'kids', kids, execSync(`ps -o pid,ppid,pgid,stat,cmd -g ${sh}`).toString());
  await s.stop();
  console.log('alive', isAlive(sh), kids.map(isAlive)); for (const k of kids) { try { console.log(execSync(`grep -E 'State|Threads' /proc/${k}/status; ls /proc/${k}/task; cat /proc/${k}/task/*/stat | cut -d' ' -f1-3`).toString()); } catch (e) { console.log('gone'); } } await new Promise(r => setTimeout(r, 1000)); console.log(execSync(`ss -tanp | grep ${options.port} || true`).toString()); for (const k of kids) { try { console.log(execSync(`grep -E 'State|Threads' /proc/${k}/status`).toString()); } catch (e) { console.log('gone'); } }
  console.log(execSync(`ss -tanp | grep ${options.port} || true`).toString());
  console.log('canBind', await canBind('127.0.0.1', options.port));
  console.log(s.logLines().slice(-5));
})();
