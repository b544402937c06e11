export { COMMON_ERROR_STATUS, type FieldProblem, RequestValidationError } from './errors.ts';
export { idempotencyKeySchema, requestHash } from './idempotency.ts';
export {
  ApiProblems,
  ApiZodBody,
  ApiZodQuery,
  ApiZodResponse,
  openApiSchema,
  setupOpenApi,
} from './openapi.ts';
export { pageQuerySchema } from './pagination.ts';
export {
  type Problem,
  PROBLEM_CONTENT_TYPE,
  ProblemDetailsFilter,
  type UnexpectedErrorListener,
} from './problem.filter.ts';
export { createServiceApp, type ServiceAppOptions } from './service-app.ts';
export { parseRequest, RequestHeader, ZodPipe } from './validation.ts';
