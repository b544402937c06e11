import { applyDecorators, type INestApplication } from '@nestjs/common';
import {
  ApiBody,
  ApiQuery,
  ApiResponse,
  DocumentBuilder,
  type SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';

import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from './problem.filter.ts';

/** The OpenAPI 3.0 form of a zod schema: the one definition validates requests and documents them. */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): SchemaObject {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' });
  delete (json as { $schema?: unknown }).$schema;
  return json as SchemaObject;
}

/** Documents a request body validated by `schema`. */
export function ApiZodBody(schema: z.ZodType, description?: string): MethodDecorator {
  return ApiBody({ schema: openApiSchema(schema), ...(description ? { description } : {}) });
}

/** Documents each member of a query object schema as a query parameter. */
export function ApiZodQuery(schema: z.ZodObject): MethodDecorator {
  const json = openApiSchema(schema);
  const required = new Set(json.required ?? []);
  return applyDecorators(
    ...Object.entries(json.properties ?? {}).map(([name, property]) =>
      ApiQuery({ name, required: required.has(name), schema: property as SchemaObject }),
    ),
  );
}

/** Documents a response whose body has the shape of `schema`. */
export function ApiZodResponse(status: number, schema: z.ZodType, description: string): MethodDecorator {
  return ApiResponse({ status, description, schema: openApiSchema(schema, 'output') });
}

const problemSchema: SchemaObject = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', example: '/problems/validation-failed' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string', example: 'VALIDATION_FAILED' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

/** Documents the problem+json answers of an operation, one per status. */
export function ApiProblems(...statuses: { status: number; description: string }[]): MethodDecorator {
  return applyDecorators(
    ...statuses.map(({ status, description }) =>
      ApiResponse({ status, description, content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } }),
    ),
  );
}

/** Serves the OpenAPI document at `/docs/openapi.json` and a browsable page at `/docs`. */
export function setupOpenApi(
  app: INestApplication,
  info: { title: string; description: string; version?: string },
): void {
  const config = new DocumentBuilder()
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion(info.version ?? '1')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}
