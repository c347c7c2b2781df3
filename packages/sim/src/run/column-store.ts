/**
 * Rows of numbers kept column by column in Float64Arrays (a JS number is stored as is, so
 * nothing is rounded), grown by doubling: a month of minutes for several policies in a few
 * typed arrays instead of millions of small objects for the garbage collector to walk.
 */
export class ColumnStore {
  #columns: Float64Array[];
  #length = 0;

  constructor(columns: number, capacity = 1024) {
    const size = Math.max(1, capacity);
    this.#columns = Array.from({ length: columns }, () => new Float64Array(size));
  }

  get length(): number {
    return this.#length;
  }

  /** Adds an empty row (zeros) and returns its index. */
  append(): number {
    const capacity = this.#columns[0]?.length ?? 0;
    if (this.#length === capacity) {
      this.#columns = this.#columns.map((column) => {
        const grown = new Float64Array(capacity * 2);
        grown.set(column);
        return grown;
      });
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
