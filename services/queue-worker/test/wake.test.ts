import { WakeSignal } from '../src/wake';

describe('WakeSignal', () => {
  it('releases every waiter at once', async () => {
    const signal = new WakeSignal();
    const woken: number[] = [];
    const waits = [1, 2, 3].map((n) => signal.wait(60_000).then(() => woken.push(n)));
    expect(signal.waiting).toBe(3);
    signal.wakeAll();
    await Promise.all(waits);
    expect(woken.sort()).toEqual([1, 2, 3]);
    expect(signal.waiting).toBe(0);
  });

  it('ends a wait at its timeout when no wake-up comes', async () => {
    const signal = new WakeSignal();
    const started = Date.now();
    await signal.wait(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(signal.waiting).toBe(0);
  });

  it('never blocks once closed, so shutdown does not wait out an idle slot', async () => {
    const signal = new WakeSignal();
    const before = signal.wait(60_000);
    signal.close();
    await before;
    const started = Date.now();
    await signal.wait(60_000);
    expect(Date.now() - started).toBeLessThan(50);
  });
});
