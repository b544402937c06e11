import { httpServerEnv, parseEnv } from '@switchboard/config';
import { z } from 'zod';

const schema = z.object({ ...httpServerEnv(3001) });

export interface Config {
  readonly host: string;
  readonly port: number;
}

/** Reads the service's configuration once at boot; fails naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const vars = parseEnv(schema, env);
  return { host: vars.HOST, port: vars.PORT };
}
