import { describe, expect, it } from 'vitest';
import { Sleeper } from './sleeper.ts';

const timed = async (pause: Promise<void>): Promise<number> => {
  const start = Date.now();
  await pause;
  return Date.now() - start;
};

describe('Sleeper', () => {
  it('cuts a wakeable pause short, but not a plain one', async () => {
    const sleeper = new Sleeper();
    const wakeable = sleeper.sleep(5_000, { wakeable: true });
    sleeper.wake();
    expect(await timed(wakeable)).toBeLessThan(1_000);
    const plain = sleeper.sleep(100);
    sleeper.wake();
    expect(await timed(plain)).toBeGreaterThanOrEqual(90);
  });

  it('keeps a wake-up that came while the loop was busy for the next wakeable pause', async () => {
    const sleeper = new Sleeper();
    sleeper.wake();
    expect(await timed(sleeper.sleep(5_000, { wakeable: true }))).toBeLessThan(1_000);
  });

  it('ends every pause once interrupted', async () => {
    const sleeper = new Sleeper();
    const pause = sleeper.sleep(5_000);
    sleeper.interrupt();
    expect(await timed(pause)).toBeLessThan(1_000);
    expect(await timed(sleeper.sleep(5_000))).toBeLessThan(1_000);
  });
});
