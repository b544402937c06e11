import {
  type ArgumentMetadata,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  type PipeTransform,
} from '@nestjs/common';
import type { z } from 'zod';
import { type FieldProblem, RequestValidationError } from './errors.ts';

/**
 * The fields of a parsed request whose text holds the NUL character: valid JSON and UTF-8, but no
 * PostgreSQL text column stores it, so it is refused with the field named rather than failing at
 * the database.
 */
function fieldsWithNul(value: unknown, path: readonly string[] = []): string[][] {
  if (typeof value === 'string') return value.includes('\u0000') ? [[...path]] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => fieldsWithNul(item, [...path, String(i)]));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.entries(value).flatMap(([key, item]) => fieldsWithNul(item, [...path, key]));
  }
  return [];
}

const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';

/** The parsed value, or a RequestValidationError naming every field that holds a NUL character. */
function withoutNul<T>(data: T, field: (path: readonly string[]) => string): T {
  const bad = fieldsWithNul(data);
  if (bad.length > 0)
    throw new RequestValidationError(bad.map((path) => ({ field: field(path), message: NUL_MESSAGE })));
  return data;
}

/** Parses `value` with `schema`, or throws a RequestValidationError naming each bad field. */
export function parseRequest<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  where?: 'body' | 'query' | 'path' | 'header',
): z.output<Schema> {
  const parsed = schema.safeParse(value);
  const prefix = where === undefined || where === 'body' ? '' : `${where}.`;
  if (parsed.success)
    return withoutNul(parsed.data, (path) => `${prefix}${path.join('.')}` || where || 'body');
  const problems: FieldProblem[] = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return { field: `${prefix}${path}` || where || 'body', message: issue.message };
  });
  throw new RequestValidationError(problems);
}

const WHERE = { body: 'body', query: 'query', param: 'path', custom: 'header' } as const;

/**
 * Validates and converts a request part with a zod schema:
 * `@Body(new ZodPipe(registerCustomerSchema)) body: RegisterCustomer`.
 */
@Injectable()
export class ZodPipe<Schema extends z.ZodType> implements PipeTransform<unknown, z.output<Schema>> {
  constructor(private readonly schema: Schema) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<Schema> {
    // `custom` is how NestJS labels `@Headers('name')`.
    const where = WHERE[metadata.type];
    const schema = this.schema;
    // A single named part (`@Param('id')`, `@Headers('idempotency-key')`) is reported by its name.
    if (metadata.data && where !== 'body') {
      const parsed = schema.safeParse(value);
      if (parsed.success)
        return withoutNul(parsed.data, (path) => [`${where}.${metadata.data}`, ...path].join('.'));
      throw new RequestValidationError(
        parsed.error.issues.map((issue) => ({
          field: [`${where}.${metadata.data}`, ...issue.path.map(String)].join('.'),
          message: issue.message,
        })),
      );
    }
    return parseRequest(schema, value, where);
  }
}

/**
 * A request header as a handler parameter, validated by the pipes given after its name:
 * `@RequestHeader('idempotency-key', new ZodPipe(keySchema)) key: string`. Problems name it
 * `header.<name>`. (NestJS's own `@Headers` takes no pipes.)
 */
export const RequestHeader = createParamDecorator(
  (name: string, context: ExecutionContext): string | undefined => {
    const value = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  },
);
