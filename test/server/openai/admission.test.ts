// The bounded queue: up to `limit` requests at once, then refusals; a place is given back once; Retry-After is
// the recent mean duration of a request in whole seconds, at least 1.
import { describe, expect, it } from 'vitest';
import { Admission } from '../../../src/server/openai/admission';

describe('Admission', () => {
  it('admits up to its limit and refuses past it until a place is given back', () => {
    const a = new Admission(2);
    const one = a.enter();
    const two = a.enter();
    expect(one).not.toBeNull();
    expect(two).not.toBeNull();
    expect(a.enter()).toBeNull();
    one!.leave();
    one!.leave(); // a second leave gives nothing back twice
    expect(a.inFlight).toBe(1);
    expect(a.enter()).not.toBeNull();
    expect(a.enter()).toBeNull();
  });

  it('estimates Retry-After from recent durations', () => {
    const a = new Admission(1);
    expect(a.retryAfterSeconds()).toBe(1);
    let now = 0;
    const clock = () => now;
    const t = a.enter(clock)!;
    now = 4200;
    t.leave();
    expect(a.retryAfterSeconds()).toBe(5);
    const u = a.enter(clock)!;
    now += 200;
    u.leave();
    // 0.3 * 0.2 + 0.7 * 4.2 = 3.0 s
    expect(a.retryAfterSeconds()).toBe(3);
  });

  it('refuses a limit that is not a whole number >= 1', () => {
    expect(() => new Admission(0)).toThrow(/whole number >= 1/);
  });
});
