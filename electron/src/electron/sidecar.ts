import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';

import { DEFAULT_HOST } from '../generated/constants';
import { checkHealth, probePort } from './health';
import { LogRing } from './logRing';
import { signalTree, spawnsOwnGroup, treeGone, waitUntil } from './processTree';
import { SidecarError } from './sidecarError';

export type SidecarState = 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped';

/** The sidecar as the main process sees it; `message` is shown to the user as is. */
export interface SidecarStatus {
  state: SidecarState;
  message?: string;
  restarts: number;
  pid?: number;
}

/** How to run the sidecar and how patient to be with it. */
export interface SidecarOptions {
  command: string;
  /** Everything after the command, e.g. from buildLaunchArgs(). */
  args: string[];
  port: number;
  /** The address the sidecar binds (the product binds 0.0.0.0); used to check the port beforehand. */
  bindHost?: string;
  /** The address the app talks to; always loopback. */
  probeHost?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  pollIntervalMs?: number;
  stopTimeoutMs?: number;
  /** Crashes after ready that are restarted within restartWindowMs before we give up. */
  maxRestarts?: number;
  restartWindowMs?: number;
  logCapacity?: number;
  platform?: NodeJS.Platform;
}

/** How the sidecar says another live sidecar owns its data directory (it exits with this code, nothing touched). */
export const DATA_DIR_IN_USE_EXIT_CODE = 3;
const DATA_DIR_IN_USE_PREFIX = 'bulkmsg: data directory in use:';

/** The options every sidecar gets unless the caller says otherwise. */
const DEFAULTS = {
  bindHost: DEFAULT_HOST,
  probeHost: '127.0.0.1',
  // A frozen sidecar's first start on Windows can be slowed by antivirus scanning; be generous.
  readyTimeoutMs: 30_000,
  pollIntervalMs: 100,
  stopTimeoutMs: 5_000,
  maxRestarts: 3,
  restartWindowMs: 60_000,
  logCapacity: 200,
};

/** Launch options for the sidecar: the entry (script or nothing for a frozen binary) then its flags. */
export interface LaunchSettings {
  host: string;
  port: number;
  dataDir: string;
  /** The app's own pid: the sidecar stops by itself if this process disappears (e.g. the app is killed). */
  parentPid?: number;
}

/**
 * Owns one sidecar process: start() resolves once /health answers as ours, a crash after that is
 * restarted (with a limit) and announced through 'status' events, stop() takes the whole process
 * tree down and resolves when it is gone.
 */
export class Sidecar extends EventEmitter {
  private readonly options: Required<Omit<SidecarOptions, 'cwd' | 'env'>> & Pick<SidecarOptions, 'cwd' | 'env'>;
  private readonly log: LogRing;
  private child: ChildProcess | null = null;
  private active = false;
  private stopping = false;
  private crashTimes: number[] = [];
  private current: SidecarStatus = { state: 'stopped', restarts: 0 };

  constructor(options: SidecarOptions) {
    super();
    this.options = { ...DEFAULTS, platform: process.platform, ...options };
    this.log = new LogRing(this.options.logCapacity);
  }

  /** The arguments after the command: [entry..., --host, H, --port, P, --data-dir, D]. */
  static buildLaunchArgs(entry: string[], settings: LaunchSettings): string[] {
    const parent = settings.parentPid ? ['--parent-pid', String(settings.parentPid)] : [];
    return [...entry, '--host', settings.host, '--port', String(settings.port), '--data-dir', settings.dataDir, ...parent];
  }

  /** The loopback URL the app uses to reach this sidecar. */
  get baseUrl(): string {
    return `http://${this.options.probeHost}:${this.options.port}`;
  }

  /** The latest status. */
  get status(): SidecarStatus {
    return { ...this.current };
  }

  /** The pid of the running sidecar process, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines the sidecar printed (stdout and stderr), oldest first. */
  logLines(): string[] {
    return this.log.snapshot();
  }

  /** Start the sidecar and wait until it is healthy; refuses to run twice. */
  async start(): Promise<void> {
    if (this.active) throw new SidecarError('already_running', 'The sidecar is already running.');
    this.active = true;
    this.stopping = false;
    this.crashTimes = [];
    try {
      await this.ensurePortFree();
      if (this.stopping) throw this.failure('stopped_during_start', 'The sidecar was stopped while it was starting.');
      this.setStatus({ state: 'starting', restarts: 0 });
      await this.launch();
      this.setStatus({ state: 'ready', restarts: 0 });
    } catch (error) {
      this.active = false;
      // A stop() during start has already reported 'stopped'.
      if (!this.stopping) this.setStatus({ state: 'failed', message: (error as Error).message, restarts: 0 });
      throw error;
    }
  }

  /** Stop the sidecar and everything it spawned; resolves when it has exited, rejects after the timeout. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child) await this.killTree(child);
    this.active = false;
    this.setStatus({ state: 'stopped', restarts: this.current.restarts });
  }

  /** Refuse to start when something else already listens on our port. */
  private async ensurePortFree(): Promise<void> {
    const { bindHost, port, probeHost } = this.options;
    const state = await probePort(bindHost, port, probeHost);
    if (state.kind === 'ours') {
      throw new SidecarError(
        'port_in_use_by_sidecar',
        `Port ${port} is already used by another Bulk Messaging sidecar (version ${state.version}). ` +
          'Close the other copy of the app, or end the leftover "bulkmsg-sidecar" process, then try again.',
      );
    }
    if (state.kind === 'foreign') {
      throw new SidecarError(
        'port_in_use',
        `Port ${port} is in use by another program (${state.detail}), so the Bulk Messaging sidecar cannot start. ` +
          `Close the program that uses port ${port}, then start the app again.`,
      );
    }
  }

  /** Spawn the process and wait for a healthy /health, an early exit, or the timeout. */
  private async launch(): Promise<void> {
    if (this.stopping) throw this.failure('stopped_during_start', 'The sidecar was stopped while it was starting.');
    const child = this.spawnChild();
    let ready = false;
    let settled = false;
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(this.failure('spawn_failed', `The sidecar could not be started: ${err.message}`)));
      child.once('exit', (code, signal) => {
        if (ready) void this.onCrash(child, describeExit(code, signal));
        else if (this.stopping) reject(this.failure('stopped_during_start', 'The sidecar was stopped while it was starting.'));
        else void this.earlyExitFailure(child, code, signal).then(reject);
      });
    });
    exited.catch(() => undefined); // a late exit after the race is settled is not an error here
    try {
      await Promise.race([this.pollUntilHealthy(child, () => settled, exited), exited]);
      ready = true;
    } catch (error) {
      await this.killTree(child).catch(() => undefined);
      throw error;
    } finally {
      settled = true;
    }
  }

  /** Spawn the configured command with piped output, in its own process group where possible. */
  private spawnChild(): ChildProcess {
    const { command, args, cwd, env, platform } = this.options;
    this.log.add(`[app] starting: ${[command, ...args].join(' ')}`);
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: spawnsOwnGroup(platform),
      windowsHide: true,
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.log.push(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.log.push(chunk));
    this.child = child;
    return child;
  }

  /**
   * Why the sidecar exited before it was ready. A sidecar that found its data directory owned by another
   * live one exits with DATA_DIR_IN_USE_EXIT_CODE and one line saying so, which the user is shown; that line
   * is looked for once the output has ended ('exit' can come before the last output is read).
   */
  private async earlyExitFailure(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): Promise<SidecarError> {
    if (code === DATA_DIR_IN_USE_EXIT_CODE) {
      await Promise.race([Promise.all([child.stdout, child.stderr].map(streamEnded)), delay(1_000)]);
      const line = this.logLines().find((l) => l.startsWith(DATA_DIR_IN_USE_PREFIX));
      if (line) {
        return this.failure('data_dir_in_use', `Another copy of Bulk Messaging is already running with the same data ` +
          `(${line.slice('bulkmsg: '.length)}). Close the other copy, then start the app again.`);
      }
    }
    return this.failure('early_exit', `The sidecar stopped before it was ready (${describeExit(code, signal)}).`);
  }

  /** Poll /health until it answers as our sidecar; stop polling once the launch is settled otherwise. */
  private async pollUntilHealthy(child: ChildProcess, settled: () => boolean, exited: Promise<never>): Promise<void> {
    const deadline = Date.now() + this.options.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (this.stopping) throw this.failure('stopped_during_start', 'The sidecar was stopped while it was starting.');
      // The launch is decided elsewhere; this rejection only ends the loop.
      if (settled()) throw new Error('launch settled');
      // An exit decides it, possibly after reading the last output (dataDirInUse): wait for that verdict.
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      const health = await checkHealth(`${this.baseUrl}/health`, this.options.pollIntervalMs * 10);
      if (health.kind === 'ours') return;
      await delay(this.options.pollIntervalMs);
    }
    throw this.failure(
      'ready_timeout',
      `The sidecar did not become ready within ${Math.round(this.options.readyTimeoutMs / 1000)} s.`,
    );
  }

  /** A crash after ready: clean up what is left of it, then restart or give up. */
  private async onCrash(child: ChildProcess, how: string): Promise<void> {
    if (this.stopping || this.child !== child) return;
    // What is left of the crashed tree would hold the port against the restart.
    await this.killTree(child).catch(() => undefined);
    this.child = null;
    if (this.stopping) return;
    this.log.add(`[app] sidecar exited unexpectedly (${how})`);
    await this.relaunchAfterCrash(how);
  }

  /** Restart within the limit, announcing it; a failed relaunch counts as another crash. */
  private async relaunchAfterCrash(how: string): Promise<void> {
    const now = Date.now();
    this.crashTimes = this.crashTimes.filter((t) => now - t < this.options.restartWindowMs).concat(now);
    const restarts = this.current.restarts;
    if (this.crashTimes.length > this.options.maxRestarts) {
      this.giveUp(restarts, `The sidecar keeps stopping (${how}); it was restarted ${restarts} times, giving up.`);
      return;
    }
    this.setStatus({ state: 'restarting', restarts: restarts + 1, message: `The sidecar stopped unexpectedly (${how}); restarting it…` });
    await delay(Math.min(250 * this.crashTimes.length, 2_000));
    if (this.stopping) return;
    try {
      await this.ensurePortFree();
      await this.launch();
      this.setStatus({ state: 'ready', restarts: restarts + 1, message: 'The sidecar was restarted after it stopped unexpectedly.' });
    } catch (error) {
      if (this.stopping) return;
      // Restarting cannot help while another copy owns the data directory: say so at once.
      if (error instanceof SidecarError && error.code === 'data_dir_in_use') this.giveUp(restarts + 1, error.message);
      else await this.relaunchAfterCrash((error as Error).message);
    }
  }

  /** Stop trying: the app shows an error screen with the log. */
  private giveUp(restarts: number, message: string): void {
    this.active = false;
    this.child = null;
    this.setStatus({ state: 'failed', restarts, message });
    this.emit('failed', new SidecarError('restart_limit', message, this.logLines()));
  }

  /** SIGTERM the whole tree, SIGKILL it if it lingers, and reject if even that does not end it. */
  private async killTree(child: ChildProcess): Promise<void> {
    const { platform, stopTimeoutMs } = this.options;
    const pid = child.pid;
    if (pid === undefined) return; // never started (spawn error)
    const gone = () => treeGone(child, platform);
    if (!gone()) signalTree(pid, 'SIGTERM', platform);
    if (!(await waitUntil(gone, stopTimeoutMs))) {
      signalTree(pid, 'SIGKILL', platform);
      if (!(await waitUntil(gone, 2_000))) {
        throw this.failure('stop_timeout', `The sidecar (pid ${pid}) did not exit after SIGTERM and SIGKILL.`);
      }
    }
    if (this.child === child) this.child = null;
  }

  /** Record and announce a new status. */
  private setStatus(status: SidecarStatus): void {
    this.current = { ...status, pid: this.child?.pid };
    this.emit('status', this.status);
  }

  /** A SidecarError carrying the current log lines. */
  private failure(code: SidecarError['code'], message: string): SidecarError {
    return new SidecarError(code, message, this.logLines());
  }
}

/** "exit code 3" or "signal SIGKILL". */
function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/** Resolve once STREAM has ended (at once when there is none or it already has). */
function streamEnded(stream: NodeJS.ReadableStream | null): Promise<void> {
  if (!stream || (stream as { readableEnded?: boolean }).readableEnded) return Promise.resolve();
  return new Promise((resolve) => stream.once('end', () => resolve()));
}

/** Resolve after ms. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
