/**
 * kafkajs 2.2.4 arms timers with negative delays, which Node 24 reports as a
 * TimeoutNegativeWarning on every connection; the timers still fire at once. Drops that one
 * warning and prints every other as Node would.
 */
export function silenceKafkajsTimerWarning(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name !== 'TimeoutNegativeWarning') console.warn(warning.stack ?? String(warning));
  });
}
