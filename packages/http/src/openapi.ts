import { applyDecorators, type INestApplication } from '@nestjs/common';
import {
  ApiBody,
  ApiQuery,
  ApiResponse,
  DocumentBuilder,
  type OpenAPIObject,
  type SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { type RateLimits } from '@switchboard/config';
import { SCOPES, type ScopeName } from '@switchboard/contracts';

import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from './problem.filter.ts';
import { OAUTH2_SCHEME, type RouteClass, routeClassOf } from './security/access.ts';

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

/** What the OpenAPI document says of an API's security. */
export interface OpenApiSecurity {
  /** Where clients get tokens (the client-credentials flow). */
  readonly tokenUrl: string;
  readonly rateLimits: RateLimits;
  /** As the access guard sees it: `null` open, a scope, or undefined (the route must declare one). */
  readonly scopeOfPath: (path: string) => ScopeName | null | undefined;
  /** Serve `/docs`, or only check the document. */
  readonly serve: boolean;
}

/** A route that declares no scope: refused at start, so none is ever left open by mistake. */
export class RouteWithoutScopeError extends Error {
  override readonly name = 'RouteWithoutScopeError';
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']> & {
  'x-rate-limit'?: { class: string; requestsPerMinute: number };
};

/**
 * Completes the document's security: each operation's scope (declared with RequireScope or given
 * by its path), the OAuth 2.0 scheme with every scope used and what it allows, and each
 * operation's rate limit. Fails naming every route that has no scope and is not open.
 */
export function secureDocument(document: OpenAPIObject, security: Omit<OpenApiSecurity, 'serve'>): void {
  const used = new Set<ScopeName>();
  const unscoped: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    // The document writes path parameters as {id}; the guard sees concrete paths, and open ones have none.
    const bySpec = security.scopeOfPath(path);
    for (const method of METHODS) {
      const operation: Operation | undefined = item[method];
      if (!operation) continue;
      if (bySpec === null) {
        operation.security = [];
        continue;
      }
      if (bySpec !== undefined) operation.security = [{ [OAUTH2_SCHEME]: [bySpec] }];
      const scopes = (operation.security ?? []).flatMap((requirement) => requirement[OAUTH2_SCHEME] ?? []);
      if (scopes.length === 0) {
        unscoped.push(`${method.toUpperCase()} ${path}`);
        continue;
      }
      for (const scope of scopes) used.add(scope as ScopeName);
      const declared = (operation as { 'x-route-class'?: RouteClass })['x-route-class'];
      const routeClass = routeClassOf(method.toUpperCase(), declared);
      operation['x-rate-limit'] = { class: routeClass, requestsPerMinute: security.rateLimits[routeClass] };
    }
  }
  if (unscoped.length > 0)
    throw new RouteWithoutScopeError(
      `these routes declare no scope (add @RequireScope): ${unscoped.join(', ')}`,
    );
  document.components = {
    ...document.components,
    securitySchemes: {
      [OAUTH2_SCHEME]: {
        type: 'oauth2',
        description:
          'OAuth 2.0 bearer tokens (JWT) from the identity provider; each operation names the scope it needs. ' +
          `Requests are limited per client and route class (x-rate-limit): read ${security.rateLimits.read}, ` +
          `write ${security.rateLimits.write}, bulk ${security.rateLimits.bulk} per minute; beyond, 429 with Retry-After.`,
        flows: {
          clientCredentials: {
            tokenUrl: security.tokenUrl,
            scopes: Object.fromEntries([...used].sort().map((scope) => [scope, SCOPES[scope].description])),
          },
        },
      },
    },
  };
}

/**
 * Serves the OpenAPI document at `/docs/openapi.json` and a browsable page at `/docs` (unless
 * configured off); the document is built and checked either way.
 */
export function setupOpenApi(
  app: INestApplication,
  info: { title: string; description: string; version?: string },
  security: OpenApiSecurity,
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion(info.version ?? '1')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  secureDocument(document, security);
  if (security.serve) SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return document;
}
