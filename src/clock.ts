/** The one source of time. Production reads the system clock; the test clock only moves forward. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export class TestClock implements Clock {
  constructor(private current: Date) {}

  now(): Date {
    return new Date(this.current.getTime());
  }

  set(to: Date): void {
    if (Number.isNaN(to.getTime())) throw new RangeError('the test clock needs a valid time');
    if (to.getTime() < this.current.getTime()) throw new RangeError('the test clock only moves forward');
    this.current = new Date(to.getTime());
  }
}

/** A clock that reads as a fixed time; the demo seed replays history with it. */
export class ManualClock extends TestClock {}
