import type { Request, Response } from 'express';
import { type Html, page, type Viewer } from './html.ts';
import type { Session } from './auth/sessions.ts';

/** The request's signed-in session, put there by the session middleware. */
export interface ConsoleRequest extends Request {
  session?: Session;
}

export const COOKIE = 'switchboard_console';
export const LOGIN_COOKIE = 'switchboard_console_login';

/** The scopes the console's features need (granted by the identity provider per role). */
export const SCOPE = {
  read: 'switchboard.console:read',
  replay: 'switchboard.dead-letters:replay',
  personalData: 'switchboard.personal-data:read',
} as const;

export function viewerOf(request: ConsoleRequest): Viewer | undefined {
  const session = request.session;
  return session ? { name: session.name, csrf: session.csrf } : undefined;
}

export function may(request: ConsoleRequest, scope: string): boolean {
  return request.session?.scopes.has(scope) ?? false;
}

/** Answers with a whole page: `title` and `markup` inside the layout, for the signed-in viewer. */
export function sendPage(
  request: ConsoleRequest,
  response: Response,
  title: string,
  section: string,
  markup: Html,
  status = 200,
): void {
  response
    .status(status)
    .type('html')
    .send(page(title, section, viewerOf(request), markup).text);
}
