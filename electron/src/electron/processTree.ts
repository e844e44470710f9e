import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

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

/** Whether the child itself has exited. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Whether any process of group pgid is still running. A grandchild can outlive its parent by a moment
 * (a multi-threaded Python tearing down), and holds the port until it is gone. On Linux we read /proc
 * so that zombies (dead, waiting for a parent to reap them) do not count as running.
 */
export function groupAlive(pgid: number, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'linux') return linuxGroupAlive(pgid);
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** /proc scan for a non-zombie member of the group. */
function linuxGroupAlive(pgid: number): boolean {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue; // not a pid
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone while we looked
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
  }
  return false;
}

/** Whether the child and (on POSIX) everything in its process group have exited. */
export function treeGone(child: ChildProcess, platform: NodeJS.Platform = process.platform): boolean {
  if (!hasExited(child)) return false;
  return !spawnsOwnGroup(platform) || child.pid === undefined || !groupAlive(child.pid, platform);
}

/** Poll check() until it is true (resolve true) or ms pass (resolve false). */
export async function waitUntil(check: () => boolean, ms: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return true;
}
