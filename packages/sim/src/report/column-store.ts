/**
 * Rows of numbers kept column by column in Float64Arrays (a JS number is stored as is, so
 * nothing is rounded), all columns in one buffer that doubles when full: a month of
 * minutes for several policies in a few buffers instead of millions of small objects for
 * the garbage collector to walk.
 */
export class ColumnStore {
  readonly #count: number;
  #columns: Float64Array[];
  #length = 0;

  constructor(columns: number, capacity = 1024) {
    this.#count = columns;
    this.#columns = ColumnStore.#allocate(columns, Math.max(1, capacity));
  }

  static #allocate(columns: number, capacity: number): Float64Array[] {
    const buffer = new ArrayBuffer(columns * capacity * Float64Array.BYTES_PER_ELEMENT);
    return Array.from(
      { length: columns },
      (_, c) => new Float64Array(buffer, c * capacity * Float64Array.BYTES_PER_ELEMENT, capacity),
    );
  }

  get length(): number {
    return this.#length;
  }

  /** Adds an empty row (zeros) and returns its index. */
  append(): number {
    const capacity = this.#columns[0]?.length ?? 0;
    if (this.#length === capacity) {
      const grown = ColumnStore.#allocate(this.#count, capacity * 2);
      grown.forEach((column, c) => {
        column.set(this.#columns[c] as Float64Array);
      });
      this.#columns = grown;
    }
    this.#length += 1;
    return this.#length - 1;
  }

  set(row: number, column: number, value: number): void {
    (this.#columns[column] as Float64Array)[row] = value;
  }

  get(row: number, column: number): number {
    return (this.#columns[column] as Float64Array)[row] as number;
  }
}
