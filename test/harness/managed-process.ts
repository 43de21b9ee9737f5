/**
 * A server process the harness owns: started with its output in a log file, ended by pid (never by name),
 * and guarded by a watchdog so it dies even if the test process itself is killed with SIGKILL.
 *
 * States: idle → running → (paused ⇄ running) → exited; `start()` again from exited restarts it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';

export type ProcessState = 'idle' | 'running' | 'paused' | 'exited';

export interface ManagedProcessOptions {
  /** Short name for messages, e.g. `kafka-a`. */
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** File that receives stdout and stderr (appended across restarts). */
  logFile: string;
  /** Directory the watchdog deletes if the test process dies without cleaning up. */
  orphanCleanupDir?: string;
}

const live = new Set<ManagedProcess>();
const cleanupPaths = new Set<string>();
let areExitHooksInstalled = false;

/** Kills every live process and removes registered temp dirs; safe to call more than once. */
export function killAllSync(): void {
  for (const p of live) p.killSync();
  for (const path of cleanupPaths) rmSync(path, { recursive: true, force: true });
  cleanupPaths.clear();
}

/** Registers a directory to delete at exit, even on Ctrl-C. */
export function removeAtExit(path: string): void {
  installExitHooks();
  cleanupPaths.add(path);
}

/** Unregisters a directory that was already removed (or should be kept). */
export function forgetAtExit(path: string): void {
  cleanupPaths.delete(path);
}

function installExitHooks(): void {
  if (areExitHooksInstalled) return;
  areExitHooksInstalled = true;
  process.once('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllSync();
      process.kill(process.pid, signal);
    });
  }
}

export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  #options: ManagedProcessOptions;
  #child: ChildProcess | undefined;
  #watchdog: ChildProcess | undefined;
  #state: ProcessState = 'idle';
  #exited: Promise<number | null> = Promise.resolve(null);

  constructor(options: ManagedProcessOptions) {
    this.name = options.name;
    this.logFile = options.logFile;
    this.#options = options;
  }

  get state(): ProcessState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Resolves with the exit code (or null when killed by a signal) when the current run ends. */
  get exited(): Promise<number | null> {
    return this.#exited;
  }

  /** Spawns the process (again, after it exited). */
  start(): void {
    if (this.#state === 'running' || this.#state === 'paused')
      throw new Error(`${this.name} is already running`);
    installExitHooks();
    const fd = openSync(this.logFile, 'a');
    try {
      const child = spawn(this.#options.command, [...this.#options.args], {
        cwd: this.#options.cwd,
        env: this.#options.env ?? process.env,
        stdio: ['ignore', fd, fd],
      });
      this.#child = child;
      this.#state = 'running';
      live.add(this);
      this.#exited = new Promise((resolve) => {
        child.once('exit', (code) => {
          this.#state = 'exited';
          live.delete(this);
          this.#stopWatchdog();
          resolve(code);
        });
        child.once('error', () => {
          this.#state = 'exited';
          live.delete(this);
          this.#stopWatchdog();
          resolve(null);
        });
      });
      if (child.pid !== undefined) this.#startWatchdog(child.pid);
    } finally {
      closeSync(fd);
    }
  }

  /** kill -9: the process dies at once, without cleanup. */
  async kill(): Promise<void> {
    this.#signal('SIGKILL');
    await this.#exited;
  }

  /** kill -STOP: the process freezes (sockets stay open, nothing is answered). */
  pause(): void {
    if (this.#state !== 'running') throw new Error(`${this.name} is ${this.#state}, cannot pause`);
    this.#signal('SIGSTOP');
    this.#state = 'paused';
  }

  /** kill -CONT after pause(). */
  resume(): void {
    if (this.#state !== 'paused') throw new Error(`${this.name} is ${this.#state}, cannot resume`);
    this.#signal('SIGCONT');
    this.#state = 'running';
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.#state === 'idle' || this.#state === 'exited') return;
    if (this.#state === 'paused') this.#signal('SIGCONT');
    this.#signal('SIGTERM');
    const timer = setTimeout(() => this.#signal('SIGKILL'), graceMs);
    try {
      await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last `lines` lines of the log, for failure reports. */
  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Synchronous SIGKILL for exit hooks. */
  killSync(): void {
    if (this.#state === 'paused') this.#signal('SIGCONT');
    this.#signal('SIGKILL');
    this.#stopWatchdog();
  }

  #signal(signal: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (pid === undefined || this.#state === 'exited' || this.#state === 'idle') return;
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone: the exit event settles the state.
    }
  }

  /** A detached shell that kills the server if this test process disappears without cleaning up. */
  #startWatchdog(pid: number): void {
    const parent = process.pid;
    const dir = this.#options.orphanCleanupDir;
    const cleanup = dir ? `; sleep 1; rm -rf '${dir.replaceAll("'", '')}'` : '';
    const script =
      `while kill -0 ${parent} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; ` +
      `if ! kill -0 ${parent} 2>/dev/null; then kill -CONT ${pid} 2>/dev/null; kill -9 ${pid} 2>/dev/null${cleanup}; fi`;
    const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
    watchdog.unref();
    this.#watchdog = watchdog;
  }

  #stopWatchdog(): void {
    const pid = this.#watchdog?.pid;
    this.#watchdog = undefined;
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // The watchdog already ended on its own.
    }
  }
}
