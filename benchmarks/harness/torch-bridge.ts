/**
 * The PyTorch baseline: a long-lived `python3 benchmarks/torch/<suite>.py` that reads JSON
 * requests on stdin, one per line, and answers one JSON line each on stdout (protocol in
 * benchmarks/torch/bridge.py). Long-lived so that measurements interleave with ours.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';

const TORCH_DIR = path.join(__dirname, '..', 'torch');

let python = 'python3';

/**
 * Whether `python3 -c 'import torch'` works; the version or the reason it does not.
 * PAI_BENCH_PYTHON names another interpreter; /usr/bin/python3 (Debian's, where
 * python3-torch installs) is tried when the python3 on PATH (e.g. a pyenv shim) lacks torch.
 * PAI_BENCH_NO_TORCH=1 turns the baseline off.
 */
export function probeTorch(): { available: boolean; reason: string; version?: string } {
  if (process.env.PAI_BENCH_NO_TORCH) return { available: false, reason: 'disabled by PAI_BENCH_NO_TORCH' };
  const candidates = process.env.PAI_BENCH_PYTHON ? [process.env.PAI_BENCH_PYTHON] : ['python3', '/usr/bin/python3'];
  let reason = '';
  for (const exe of candidates) {
    const r = spawnSync(exe, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) {
      python = exe;
      return { available: true, reason: '', version: r.stdout.trim() };
    }
    reason ||= r.error ? `${exe} not runnable (${r.error.message})` : `${exe} cannot import torch (apt-get install python3-torch)`;
  }
  return { available: false, reason };
}

/** A running baseline script of one suite. */
export class TorchBridge {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: { resolve: (v: any) => void; reject: (e: Error) => void }[] = [];
  private stderr = '';
  private exited: Error | null = null;

  private constructor(script: string) {
    this.child = spawn(python, ['-u', script], { cwd: TORCH_DIR, stdio: ['pipe', 'pipe', 'pipe'] });
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.child.on('exit', (code) => {
      this.exited = new Error(`torch bridge exited (code ${code}): ${this.stderr.trim()}`);
      for (const p of this.pending.splice(0)) p.reject(this.exited);
    });
  }

  /** Starts benchmarks/torch/<suite>.py, or returns null when the suite has no script. */
  static start(suite: string): TorchBridge | null {
    const script = path.join(TORCH_DIR, `${suite}.py`);
    return fs.existsSync(script) ? new TorchBridge(script) : null;
  }

  private onLine(line: string): void {
    const p = this.pending.shift();
    if (!p) return;
    let msg: any;
    try {
      msg = JSON.parse(line);
    } catch {
      p.reject(new Error(`torch bridge: not JSON: ${line.slice(0, 200)}`));
      return;
    }
    if (msg.error) p.reject(new Error(`torch bridge: ${msg.error}`));
    else p.resolve(msg);
  }

  /** Sends one request and waits for its answer. */
  request(msg: Record<string, unknown>): Promise<any> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(JSON.stringify(msg) + '\n');
    });
  }

  /** Prepares a case (tensors, threads); later requests refer to it by id. */
  async setup(id: number, c: Record<string, unknown>): Promise<void> {
    await this.request({ op: 'setup', id, case: c });
  }

  /** Runs the case `loops` times, returns the seconds it took. */
  async time(id: number, loops: number): Promise<number> {
    return (await this.request({ op: 'time', id, loops })).seconds as number;
  }

  /** Like time(), also returning the Python process's CPU seconds (all threads) when known. */
  async timeCpu(id: number, loops: number): Promise<{ wall: number; cpu?: number }> {
    const r = await this.request({ op: 'time', id, loops });
    return { wall: r.seconds as number, cpu: typeof r.cpu === 'number' ? r.cpu : undefined };
  }

  /** Frees the case's tensors. */
  async release(id: number): Promise<void> {
    await this.request({ op: 'release', id });
  }

  /** Ends the Python process. */
  close(): void {
    if (!this.exited) this.child.stdin.end();
  }
}
