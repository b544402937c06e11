import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { SqlDatabase, SqlExecutor } from './sql.ts';

const tracer = trace.getTracer('@switchboard/database');

/** `SELECT`, `INSERT`, … or `WITH`: the statement's first keyword. */
function operationOf(sql: string): string {
  return /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'QUERY';
}

/**
 * Runs one query in a CLIENT span following OpenTelemetry's database conventions, when it is part
 * of a traced operation. The statement
 * text is recorded (it is parameterized); parameter values never are, since they hold personal data.
 */
function tracedQuery(executor: SqlExecutor, name: string): SqlExecutor['query'] {
  return async <Row>(sql: string, params?: unknown[]) => {
    // Background work (the outbox relay's polls) has no parent: a root trace per poll would bury
    // the business flows in Jaeger, so only queries inside a traced operation get a span.
    if (trace.getActiveSpan() === undefined) return executor.query<Row>(sql, params);
    const operation = operationOf(sql);
    return tracer.startActiveSpan(
      `${operation} ${name}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql',
          'db.namespace': name,
          'db.operation.name': operation,
          'db.query.text': sql.replace(/\s+/g, ' ').trim(),
        },
      },
      async (span) => {
        try {
          return await executor.query<Row>(sql, params);
        } catch (error) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  };
}

function tracedExecutor(executor: SqlExecutor, name: string): SqlExecutor {
  const traced: SqlExecutor = { query: tracedQuery(executor, name), script: (sql) => executor.script(sql) };
  const afterCommit = executor.afterCommit?.bind(executor);
  return afterCommit ? { ...traced, afterCommit } : traced;
}

/** The same database, with a span for every query (in transactions and sessions too). */
export function tracedDatabase(db: SqlDatabase, options: { name: string }): SqlDatabase {
  const { name } = options;
  return {
    query: tracedQuery(db, name),
    script: (sql) => db.script(sql),
    separateSessions: db.separateSessions,
    transaction: (work) => db.transaction((tx) => work(tracedExecutor(tx, name))),
    session: (work) => db.session((connection) => work(tracedExecutor(connection, name))),
    listen: (channel, onNotify) => db.listen(channel, onNotify),
  };
}
