/** Runs `pastiche` in-process with captured output, for tests. */
import { MemoryOutput } from '../src/io.js';
import type { Context } from '../src/io.js';
import { main } from '../src/main.js';

/** Exit code and everything written to stdout and stderr. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main(argv)` with in-memory stdout/stderr (and optional context overrides). */
export async function run(argv: string[], io: Partial<Context> = {}): Promise<RunResult> {
  const stdout = new MemoryOutput();
  const stderr = new MemoryOutput();
  const code = await main(argv, { stdout, stderr, env: {}, ...io });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
