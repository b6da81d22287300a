/**
 * A FIFO ring buffer that grows by doubling up to a fixed maximum and never shrinks below what it
 * reached: once warm, push/shift allocate nothing. Capacities are powers of two so that wrapping is
 * a mask, not a modulo.
 *
 * Invariants: 0 <= #size <= #slots.length <= #max; the live items are the #size slots starting at
 * #head, wrapping; every other slot holds undefined (so the GC can reclaim shifted items).
 */
export class RingBuffer<T> {
  #slots: (T | undefined)[];
  #mask: number;
  #head = 0;
  #size = 0;
  readonly #max: number;

  constructor(maxCapacity: number, initialCapacity = 4) {
    this.#max = nextPowerOfTwo(maxCapacity);
    const initial = Math.min(nextPowerOfTwo(initialCapacity), this.#max);
    this.#slots = new Array<T | undefined>(initial).fill(undefined);
    this.#mask = initial - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** The bound this buffer will never grow past (a power of two). */
  get maxCapacity(): number {
    return this.#max;
  }

  get isFull(): boolean {
    return this.#size === this.#max;
  }

  /** Appends; returns false (and stores nothing) when the buffer is at its maximum. */
  push(item: T): boolean {
    if (this.#size === this.#slots.length) {
      if (this.#size === this.#max) return false;
      this.#grow();
    }
    this.#slots[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
    return true;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#slots[this.#head];
    this.#slots[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#size--;
    return item;
  }

  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#slots[this.#head];
  }

  clear(): void {
    while (this.#size > 0) this.shift();
  }

  #grow(): void {
    const old = this.#slots;
    const next = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & this.#mask];
    this.#slots = next;
    this.#mask = next.length - 1;
    this.#head = 0;
  }
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
