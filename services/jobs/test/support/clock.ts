/** A clock the test moves by hand; the store reads every time from it. */
export interface TestClock {
  now: () => number;
  advance(ms: number): number;
  set(ms: number): void;
}

/** 2025-06-15T12:00:00.000Z, a round start so expected times read easily. */
export const CLOCK_START = Date.UTC(2025, 5, 15, 12, 0, 0);

export function createTestClock(start = CLOCK_START): TestClock {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
      return t;
    },
    set(ms) {
      t = ms;
    },
  };
}
