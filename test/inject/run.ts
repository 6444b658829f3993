// Runs `oauth2-sidecar inject` as a user would: the real executable, input from a file or stdin.
import { spawn } from 'node:child_process';
import { BIN } from '../support/spawn.js';

export interface InjectRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runInjectBin(args: string[], stdin?: string, timeoutMs = 20_000): Promise<InjectRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'inject', ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`inject timed out\n${stderr}`)); }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    child.stdin.end(stdin ?? '');
  });
}
