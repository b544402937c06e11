export { DomainError, InvalidCursorError } from './errors.ts';
export { decodeCursor, encodeCursor, type Page, pageOf, type PageQuery } from './pagination.ts';
