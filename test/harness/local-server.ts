/**
 * What every local server of the harness shares: a managed process in a folder of its own, kill -9,
 * SIGSTOP/SIGCONT, restart with its data, log tails, and a stop that removes the folder. Subclasses say how
 * to launch and when the server is ready (`launch`).
 */
import { rmSync } from 'node:fs';
import { forgetAtExit, type ManagedProcess } from './managed-process.ts';
import type { ServerHandle } from './types.ts';

export class LocalServer implements ServerHandle {
  readonly name: string;
  readonly dir: string;
  protected readonly process: ManagedProcess;
  readonly #defaultStartTimeoutMs: number;
  #isStopped = false;

  protected constructor(name: string, dir: string, process: ManagedProcess, defaultStartTimeoutMs: number) {
    this.name = name;
    this.dir = dir;
    this.process = process;
    this.#defaultStartTimeoutMs = defaultStartTimeoutMs;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get logFile(): string {
    return this.process.logFile;
  }

  async kill(): Promise<void> {
    await this.process.kill();
  }

  pause(): void {
    this.process.pause();
  }

  resume(): void {
    this.process.resume();
  }

  /** Starts the server again on the same ports with the same data (after kill() or a crash). */
  async restart(timeoutMs = this.#defaultStartTimeoutMs): Promise<void> {
    if (this.process.state === 'running' || this.process.state === 'paused') await this.process.stop();
    await this.launch(timeoutMs);
  }

  logTail(lines = 40): string {
    return this.process.logTail(lines);
  }

  /** Stops the server (SIGTERM, then SIGKILL) and deletes its folder; idempotent. */
  async stop(): Promise<void> {
    if (this.#isStopped) return;
    this.#isStopped = true;
    await this.process.stop(5_000);
    if (process.env['GEOMESH_KEEP_TEST_DIRS'] !== '1') rmSync(this.dir, { recursive: true, force: true });
    forgetAtExit(this.dir);
  }

  /** Starts the process and resolves once the server serves; each kind of server overrides it. */
  protected launch(_timeoutMs: number): Promise<void> {
    return Promise.reject(new Error(`${this.name}: launch() is not implemented`));
  }
}
