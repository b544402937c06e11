import {
  DEFAULT_PORTS,
  parseEnv,
  type ServiceConfig,
  serviceConfigOf,
  serviceEnv,
} from '@switchboard/config';
import { z } from 'zod';

const schema = z.object(serviceEnv('crm', DEFAULT_PORTS.crm));

export type CrmConfig = ServiceConfig;

/** Reads the service's configuration once at boot; fails naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CrmConfig {
  return serviceConfigOf('crm', parseEnv(schema, env));
}
