/**
 * The `skill-lab` command as a child process: what a Slurm array task runs (sweep_slurm.ts) and how
 * the lab service draws a figure from a spec without blocking its event loop (the same code path
 * as `skill-lab figure --spec`, so the workbench exports exactly what the command line does).
 *
 * Node only.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** bin/skill-lab.js by absolute path. */
export const SKILL_LAB_BIN = fileURLToPath(new URL('../../../bin/skill-lab.js', import.meta.url));

/**
 * Environment for a child that runs `process.execPath` as Node: under the desktop app that binary is
 * Electron's, which runs scripts as Node with ELECTRON_RUN_AS_NODE=1.
 */
export function nodeEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return process.versions.electron ? { ...env, ELECTRON_RUN_AS_NODE: '1' } : env;
}

/** How a `skill-lab` child ended. */
export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `skill-lab --workspace <workspace> <args…>` to its end (niced with `background`); killed after
 * `timeoutMs`.
 */
export function runSkillLab(
  args: string[],
  opts: { workspace: string; timeoutMs?: number },
): Promise<CliOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SKILL_LAB_BIN, '--workspace', opts.workspace, ...args], {
      env: nodeEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(err) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
