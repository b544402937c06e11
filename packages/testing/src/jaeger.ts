/** The tests read traces with the same client the console uses. */
export { JaegerClient as JaegerReader, type JaegerSpan, type JaegerTrace } from '@switchboard/observability';
