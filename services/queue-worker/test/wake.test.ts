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

describe('WakeSignal.wakeOne', () => {
  it('releases only the longest waiting slot, with the partition to look at', async () => {
    const signal = new WakeSignal();
    const first = signal.wait(60_000);
    const second = signal.wait(60_000);
    signal.wakeOne(7);
    await expect(first).resolves.toBe(7);
    expect(signal.waiting).toBe(1);
    signal.wakeAll();
    await expect(second).resolves.toBeUndefined();
  });

  it('keeps a wake-up that came while nobody waited for the next wait', async () => {
    const signal = new WakeSignal();
    signal.wakeOne(3);
    const started = Date.now();
    await expect(signal.wait(60_000)).resolves.toBe(3);
    expect(Date.now() - started).toBeLessThan(50);
    // Kept once only: the next wait sleeps until its timeout.
    await expect(signal.wait(30)).resolves.toBeUndefined();
  });
});
