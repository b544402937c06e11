export { COMMON_ERROR_STATUS, type FieldProblem, RequestValidationError } from './errors.ts';
export {
  answerIdempotent,
  IDEMPOTENT_COMMANDS_SQL,
  IdempotencyKey,
  idempotencyKeyRetention,
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
  type OpenApiSecurity,
  openApiSchema,
  RouteWithoutScopeError,
  secureDocument,
  setupOpenApi,
} from './openapi.ts';
export { isoInstant } from './instant.ts';
export { pageQuerySchema } from './pagination.ts';
export {
  type Problem,
  PROBLEM_CONTENT_TYPE,
  ProblemDetailsFilter,
  type UnexpectedErrorListener,
} from './problem.filter.ts';
export { createServiceApp, type ServiceAppOptions } from './service-app.ts';
export { parseRequest, RequestHeader, ZodPipe } from './validation.ts';
export {
  type AuthenticatedRequest,
  CurrentCaller,
  OAUTH2_SCHEME,
  RequireScope,
  type RouteClass,
  routeClassOf,
} from './security/access.ts';
export { HttpSecurityModule } from './security/security.module.ts';
export {
  SECURITY_OPTIONS,
  type SecurityOptions,
  securityOptionsOf,
  type WriteRecord,
} from './security/security-options.ts';
export {
  AuthenticationProblem,
  HttpProblem,
  IdentityProviderUnavailable,
  InsufficientScopeProblem,
  RateLimitedProblem,
} from './security/security-errors.ts';
export { type Caller, TokenVerifier, type TokenVerifierOptions } from './security/token-verifier.ts';
