import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from '@switchboard/domain';
import { HttpProblem } from './security/security-errors.ts';

/** An RFC 9457 problem document. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: string;
  readonly [member: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

function kebab(code: string): string {
  return code.toLowerCase().replaceAll('_', '-');
}

function titleOf(status: number): string {
  const name = HttpStatus[status];
  if (typeof name !== 'string') return 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((w, i) => (i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w))
    .join(' ');
}

/** What the filter reports about an unexpected failure; the service logs it once, with its trace. */
export type UnexpectedErrorListener = (error: unknown, request: { method: string; path: string }) => void;

/**
 * Answers every error as `application/problem+json`: domain errors with the status their code
 * maps to, refusals of the boundary (401, 403, 429) with their status and headers, NestJS's HTTP exceptions (unknown route, body too large, malformed JSON) with theirs,
 * anything else as a 500 that reveals nothing of its cause.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(
    private readonly statusOf: Readonly<Record<string, number>>,
    private readonly onUnexpected: UnexpectedErrorListener = () => undefined,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = this.problemOf(exception, request);
    if (response.headersSent) return;
    if (exception instanceof HttpProblem) response.set(exception.headers);
    response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }

  private problemOf(exception: unknown, request: Request): Problem {
    const instance = request.originalUrl.split('?')[0] ?? request.path;
    if (exception instanceof DomainError) {
      const status = this.statusOf[exception.code] ?? HttpStatus.UNPROCESSABLE_ENTITY;
      return {
        ...exception.details,
        type: `/problems/${kebab(exception.code)}`,
        title: titleOf(status),
        status,
        detail: exception.message,
        instance,
        code: exception.code,
      };
    }
    if (exception instanceof HttpProblem) {
      if (exception.status >= 500) this.onUnexpected(exception, { method: request.method, path: instance });
      return {
        type: `/problems/${kebab(exception.code)}`,
        title: titleOf(exception.status),
        status: exception.status,
        detail: exception.message,
        instance,
        code: exception.code,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message =
        typeof body === 'object' && body !== null && 'message' in body ? body.message : exception.message;
      const code = HttpStatus[status] ?? 'HTTP_ERROR';
      return {
        type: `/problems/${kebab(String(code))}`,
        title: titleOf(status),
        status,
        detail: Array.isArray(message) ? message.join('; ') : String(message),
        instance,
        code: String(code),
      };
    }
    // express's body parser reports malformed JSON and oversized bodies with a status of its own.
    const parserStatus = (exception as { status?: unknown; type?: unknown } | null)?.status;
    if (typeof parserStatus === 'number' && parserStatus >= 400 && parserStatus < 500) {
      const code = HttpStatus[parserStatus] ?? 'BAD_REQUEST';
      return {
        type: `/problems/${kebab(String(code))}`,
        title: titleOf(parserStatus),
        status: parserStatus,
        detail:
          parserStatus === 400 ? 'the request body is not valid JSON' : String((exception as Error).message),
        instance,
        code: String(code),
      };
    }
    this.onUnexpected(exception, { method: request.method, path: instance });
    return {
      type: '/problems/internal-error',
      title: titleOf(500),
      status: 500,
      detail: 'the service failed to handle the request; it has been logged',
      instance,
      code: 'INTERNAL_ERROR',
    };
  }
}
