import { readFileSync } from 'node:fs';
import type { z } from 'zod';

/** A configuration problem found at boot; its message names every offending variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses environment variables against a zod schema into a typed object. Fails with one line per
 * bad or missing variable, naming it, so a misconfigured service stops at once and says why.
 */
export function parseEnv<Schema extends z.ZodType>(
  schema: Schema,
  env: Readonly<Record<string, string | undefined>> = process.env,
): z.output<Schema> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

/**
 * A secret given either in the variable `name` or in a file named by `<name>_FILE` (a mounted
 * secret; the local stack generates such files). Neither in the repo nor in any message: a problem
 * names the variable and the file, never the value.
 */
export function secretFromEnv(
  name: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const direct = env[name]?.trim();
  const file = env[`${name}_FILE`]?.trim();
  if (direct && file)
    throw new ConfigError(`invalid configuration:\n  ${name}: set ${name} or ${name}_FILE, not both`);
  if (direct) return direct;
  if (!file) return undefined;
  let value: string;
  try {
    value = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(
      `invalid configuration:\n  ${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (value === '') throw new ConfigError(`invalid configuration:\n  ${name}_FILE: ${file} is empty`);
  return value;
}

/**
 * Sets `key` on `target` as a property that is not enumerable, so a logged or serialised
 * configuration never shows it (JSON.stringify, pino, util.inspect skip it), and returns `target`.
 */
export function withHiddenSecret<T extends object, K extends string>(
  target: T,
  key: K,
  value: string,
): T & Record<K, string> {
  Object.defineProperty(target, key, { value, enumerable: false });
  return target as T & Record<K, string>;
}
