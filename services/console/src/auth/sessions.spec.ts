import { describe, expect, it } from 'vitest';
import { csrfMatches, safeNext, Sessions } from './sessions.ts';

const fields = {
  subject: 's-1',
  name: 'operator',
  scopes: new Set(['switchboard.console:read']),
  idToken: undefined,
};

describe('console sessions', () => {
  it('end after the idle time, and each use keeps one alive', () => {
    let now = 0;
    const sessions = new Sessions(1_000, () => now);
    const session = sessions.create(fields);
    now = 900;
    expect(sessions.get(session.id)?.name).toBe('operator');
    now = 1_800;
    expect(sessions.get(session.id)).toBeDefined();
    now = 2_801;
    expect(sessions.get(session.id)).toBeUndefined();
  });

  it('give a sign-in under way to one callback only, within five minutes', () => {
    let now = 0;
    const sessions = new Sessions(60_000, () => now);
    const id = sessions.startLogin({ codeVerifier: 'v', state: 's', next: '/topics' });
    expect(sessions.takeLogin(id)?.next).toBe('/topics');
    expect(sessions.takeLogin(id)).toBeUndefined();
    const late = sessions.startLogin({ codeVerifier: 'v', state: 's', next: '/' });
    now = 5 * 60_000 + 1;
    expect(sessions.takeLogin(late)).toBeUndefined();
  });

  it("accept a form only with the session's own token", () => {
    const session = new Sessions(1_000).create(fields);
    expect(csrfMatches(session, session.csrf)).toBe(true);
    expect(csrfMatches(session, `${session.csrf}x`)).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
  });

  it('return only to a path of the console after signing in', () => {
    expect(safeNext('/dead-letters?x=1')).toBe('/dead-letters?x=1');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext(undefined)).toBe('/');
  });
});
