export { DomainError, InvalidCursorError } from './errors.ts';
export { cursorPart, decodeCursor, encodeCursor, type Page, pageOf, type PageQuery } from './pagination.ts';
