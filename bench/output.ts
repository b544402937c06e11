/**
 * How a benchmark's command talks while it runs and what it leaves: stamped log lines and a
 * progress line on stderr, the report as JSON in bench-results/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface BenchOutput {
  /** A line of its own, stamped with the time since the start. */
  readonly log: (line: string) => void;
  /** The progress line: rewritten in place on a terminal, else a line every five seconds. */
  readonly progress: (line: string) => void;
  /** Ends the progress line before the report is printed. */
  readonly end: () => void;
}

export function benchOutput(name: string): BenchOutput {
  const began = Date.now();
  const stamp = (): string => `bench ${name} +${Math.round((Date.now() - began) / 1000)}s:`;
  const tty = process.stderr.isTTY;
  let progressShown = false;
  let lastProgress = 0;
  const end = (): void => {
    if (progressShown && tty) process.stderr.write('\n');
    progressShown = false;
  };
  return {
    log: (line) => {
      end();
      process.stderr.write(`${stamp()} ${line.trim()}\n`);
    },
    progress: (line) => {
      if (tty) {
        process.stderr.write(`\r\x1b[2K${stamp()} ${line}`);
        progressShown = true;
      } else if (Date.now() - lastProgress >= 5000) {
        lastProgress = Date.now();
        process.stderr.write(`${stamp()} ${line}\n`);
      }
    },
    end,
  };
}

/** Writes `report` to bench-results/<name>-<date>.json and answers the file's path. */
export async function writeReport(name: string, date: string, report: unknown): Promise<string> {
  await mkdir('bench-results', { recursive: true });
  const file = join('bench-results', `${name}-${date.replaceAll(':', '-')}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** Runs a benchmark command's `main` and exits with its code; an error is printed as one line. */
export function runBenchCommand(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`bench ${name}: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
