/** Writes one line on stderr: what was wrong, and what is used instead. */
export type Warn = (line: string) => void;
export const warnOnStderr: Warn = (line) => process.stderr.write(`${line}\n`);

/** What one bad environment value is reported with: one stderr line, nothing more. */
export interface EnvProblem {
  /** The variable, e.g. `RID_TRUST_INCOMING`. */
  variable: string;
  /** The raw value as found in the environment. */
  value: string;
  /** What a valid value looks like, in words: `true, false, or a comma-separated list of CIDRs`. */
  expected: string;
  /** What is used instead, in words: `false (no incoming ID is trusted)`. */
  using: string;
  /** A valid value in env syntax, without the variable name: `10.0.0.0/8,::1`. */
  example: string;
}

// 100 characters of a value at most: a bad value can be megabytes long, and a line is for a person.
const SHOWN = 100;

/**
 * The one line for a bad environment value: the variable, the value (escaped, cut), what a valid
 * one is, what is used instead, and an example in env syntax.
 */
export function envWarningLine(problem: EnvProblem): string {
  const cut = problem.value.length > SHOWN ? `${problem.value.slice(0, SHOWN)}…` : problem.value;
  return `@rid/otel: ignoring ${problem.variable}=${JSON.stringify(cut)}: expected ${problem.expected}; using ${problem.using}. Example: ${problem.variable}=${problem.example}`;
}

export function warnEnv(warn: Warn, problem: EnvProblem): void {
  warn(envWarningLine(problem));
}
