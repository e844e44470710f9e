import { spawn, type ChildProcess } from 'node:child_process';

/** Signals we escalate through when stopping the sidecar. */
export type StopSignal = 'SIGTERM' | 'SIGKILL';

/**
 * Whether to start the child as the leader of its own process group. On POSIX that lets us signal
 * the whole tree (the sidecar and anything it spawned) with one kill(-pgid). On Windows a detached
 * child gets its own console window, and taskkill /T walks the tree instead.
 */
export function spawnsOwnGroup(platform: NodeJS.Platform = process.platform): boolean {
  return platform !== 'win32';
}

/** Send SIG to the process tree rooted at pid; false when nothing was left to signal. */
export function signalTree(pid: number, signal: StopSignal, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32') {
    // taskkill has no graceful tree signal for console programs; /T /F is the documented tree kill.
    spawn('taskkill', ['/T', '/F', '/PID', String(pid)], { stdio: 'ignore', windowsHide: true });
    return true;
  }
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is already empty.
  }
}

/** Resolve true when the child exits within ms, false otherwise. */
export function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}
