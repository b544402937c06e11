import {
  DEFAULT_PORTS,
  parseEnv,
  type ServiceConfig,
  serviceConfigOf,
  serviceEnv,
} from '@switchboard/config';
import { z } from 'zod';

const schema = z.object(serviceEnv('orders', DEFAULT_PORTS.orders));

export type OrdersConfig = ServiceConfig;

/** Reads the service's configuration once at boot; fails naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  return serviceConfigOf('orders', parseEnv(schema, env));
}
