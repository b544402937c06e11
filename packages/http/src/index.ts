export {
  COMMON_ERROR_STATUS,
  DomainError,
  type FieldProblem,
  InvalidCursorError,
  RequestValidationError,
} from './errors.ts';
export { idempotencyKeySchema, requestHash } from './idempotency.ts';
export {
  ApiProblems,
  ApiZodBody,
  ApiZodQuery,
  ApiZodResponse,
  openApiSchema,
  setupOpenApi,
} from './openapi.ts';
export {
  decodeCursor,
  encodeCursor,
  type Page,
  pageOf,
  type PageQuery,
  pageQuerySchema,
} from './pagination.ts';
export {
  type Problem,
  PROBLEM_CONTENT_TYPE,
  ProblemDetailsFilter,
  type UnexpectedErrorListener,
} from './problem.filter.ts';
export { createServiceApp, type ServiceAppOptions } from './service-app.ts';
export { parseRequest, RequestHeader, ZodPipe } from './validation.ts';
