import { describe, expect, it } from 'vitest';
import { AccessCodeGenerator, AccessCodesExhaustedError } from './access-code.ts';

/** A random source that returns the given values in turn, recording what it was asked for. */
function scripted(...values: number[]) {
  const asked: number[] = [];
  const random = (maxExclusive: number): number => {
    asked.push(maxExclusive);
    const value = values.shift();
    if (value === undefined) throw new Error('scripted random source ran dry');
    return value;
  };
  return { random, asked };
}

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
}

const never = (): boolean => false;

describe('AccessCodeGenerator', () => {
  it('makes 8-digit codes without a leading zero by default', () => {
    const generator = new AccessCodeGenerator();
    for (let i = 0; i < 1_000; i++) {
      expect(generator.next(never)).toMatch(/^[1-9]\d{7}$/);
    }
  });

  it('makes codes of the requested length', () => {
    expect(new AccessCodeGenerator({ digits: 4 }).next(never)).toMatch(/^[1-9]\d{3}$/);
    expect(new AccessCodeGenerator({ digits: 12 }).next(never)).toMatch(/^[1-9]\d{11}$/);
  });

  it('covers the whole range, from the lowest code to the highest', () => {
    const { random, asked } = scripted(0, 8_999);
    const generator = new AccessCodeGenerator({ digits: 4, random });
    expect(generator.next(never)).toBe('1000');
    expect(generator.next(never)).toBe('9999');
    expect(asked).toEqual([9_000, 9_000]);
  });

  it('draws 10,000 different codes when every code handed out counts as taken', () => {
    const generator = new AccessCodeGenerator();
    const taken = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const code = generator.next((candidate) => taken.has(candidate));
      expect(taken.has(code)).toBe(false);
      taken.add(code);
    }
    expect(taken.size).toBe(10_000);
  });

  it('skips a code that is taken', () => {
    const { random } = scripted(2_345_678, 2_345_678, 7_654_321);
    const generator = new AccessCodeGenerator({ random });
    const taken = new Set([generator.next(never)]);
    expect(taken).toEqual(new Set(['12345678']));
    const asked: string[] = [];
    const code = generator.next((candidate) => {
      asked.push(candidate);
      return taken.has(candidate);
    });
    expect(code).toBe('17654321');
    expect(asked).toEqual(['12345678', '17654321']);
  });

  it('gives up with ACCESS_CODES_EXHAUSTED after the configured number of attempts', () => {
    const { random, asked } = scripted(...Array.from({ length: 5 }, (_, i) => i));
    const generator = new AccessCodeGenerator({ attempts: 5, random });
    const error = thrownBy(() => generator.next(() => true));
    expect(error).toBeInstanceOf(AccessCodesExhaustedError);
    expect(error).toMatchObject({ code: 'ACCESS_CODES_EXHAUSTED' });
    expect(asked).toHaveLength(5);
  });

  it('tries 20 times by default', () => {
    let tries = 0;
    expect(() =>
      new AccessCodeGenerator().next(() => {
        tries++;
        return true;
      }),
    ).toThrow(AccessCodesExhaustedError);
    expect(tries).toBe(20);
  });

  it.each([{ digits: 3 }, { digits: 13 }, { digits: 6.5 }, { attempts: 0 }, { attempts: 1.5 }])(
    'refuses the options %o',
    (options) => {
      expect(() => new AccessCodeGenerator(options)).toThrow(RangeError);
    },
  );

  it('refuses a random source that answers outside the range it was asked for', () => {
    const generator = new AccessCodeGenerator({ digits: 4, random: () => 9_000 });
    expect(() => generator.next(never)).toThrow(RangeError);
  });

  describe('nextManyAsync', () => {
    it('draws the codes still missing in rounds, asking about each round at once', async () => {
      const { random } = scripted(1, 2, 3, 4, 5);
      const generator = new AccessCodeGenerator({ digits: 6, random });
      const asked: string[][] = [];
      const codes = await generator.nextManyAsync(3, async (candidates) => {
        asked.push([...candidates]);
        await new Promise((resolve) => setTimeout(resolve, 1));
        return new Set(['100002']);
      });
      expect(codes).toEqual(['100001', '100003', '100004']);
      expect(asked).toEqual([['100001', '100002', '100003'], ['100004']]);
    });

    it('never hands out one code twice, even when the source repeats itself', async () => {
      const { random } = scripted(7, 7, 7, 8);
      const generator = new AccessCodeGenerator({ digits: 6, random });
      const codes = await generator.nextManyAsync(2, async () => new Set());
      expect(codes).toEqual(['100007', '100008']);
    });

    it('gives up with ACCESS_CODES_EXHAUSTED after its rounds', async () => {
      const generator = new AccessCodeGenerator({ attempts: 3 });
      let rounds = 0;
      await expect(
        generator.nextManyAsync(2, async (candidates) => {
          rounds++;
          return new Set(candidates);
        }),
      ).rejects.toThrow(AccessCodesExhaustedError);
      expect(rounds).toBe(3);
    });

    it('passes on a failing lookup rather than treating its codes as free or taken', async () => {
      const generator = new AccessCodeGenerator();
      await expect(
        generator.nextManyAsync(1, () => Promise.reject(new Error('database down'))),
      ).rejects.toThrow('database down');
    });

    it('asks nothing for no codes', async () => {
      const generator = new AccessCodeGenerator();
      expect(await generator.nextManyAsync(0, () => Promise.reject(new Error('asked')))).toEqual([]);
    });
  });
});
