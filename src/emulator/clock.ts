/** Emulator time: the wall clock plus an offset tests move, so `nbf`, `exp` and token lifetimes can be crossed on demand. */
export class Clock {
  #offsetMs = 0;

  /** Milliseconds since the epoch, as the emulated services see them. */
  now(): number {
    return Date.now() + this.#offsetMs;
  }

  /** Whole Unix seconds, the unit of Key Vault attributes and JWT claims. */
  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Moves emulator time by `seconds` (negative goes back). */
  advance(seconds: number): void {
    this.#offsetMs += seconds * 1000;
  }

  /** Sets emulator time to an absolute instant. */
  set(epochMs: number): void {
    this.#offsetMs = epochMs - Date.now();
  }

  /** How far emulator time is from the wall clock, in seconds. */
  offsetSeconds(): number {
    return this.#offsetMs / 1000;
  }
}
