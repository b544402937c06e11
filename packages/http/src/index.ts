export { COMMON_ERROR_STATUS, type FieldProblem, RequestValidationError } from './errors.ts';
export {
  answerIdempotent,
  IDEMPOTENT_COMMANDS_SQL,
  IdempotencyKey,
  IdempotencyKeyReusedError,
  IdempotentCommand,
  type IdempotentCommandOptions,
  type IdempotentOutcome,
  requestHash,
  runIdempotentCommand,
} from './idempotent-command.ts';
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
