import type { SqlExecutor } from './sql.ts';

/** A service in production connects as a PostgreSQL superuser: refused, it could reach every database. */
export class SuperuserConnectionError extends Error {
  override readonly name = 'SuperuserConnectionError';
}

/**
 * Refuses a connection whose role is a superuser (or may create roles or databases): in production
 * each service connects as its own role, which owns its own database and nothing else.
 */
export async function refuseSuperuser(db: SqlExecutor, variable = 'DATABASE_URL'): Promise<void> {
  const { rows } = await db.query<{ role: string; rolsuper: boolean; rolcreaterole: boolean }>(
    'SELECT current_user AS role, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user',
  );
  const role = rows[0];
  if (role && (role.rolsuper || role.rolcreaterole))
    throw new SuperuserConnectionError(
      `${variable} connects as ${role.role}, a role that ${role.rolsuper ? 'is a superuser' : 'may create roles'}: in production (NODE_ENV=production) a service connects as a role of its own that owns only its database`,
    );
}
