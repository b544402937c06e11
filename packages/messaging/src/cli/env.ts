/** The Kafka bootstrap servers of KAFKA_BROKERS (comma-separated), the local stack's by default. */
export function brokersFromEnv(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
}
