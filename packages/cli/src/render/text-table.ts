export interface Column<Row> {
  readonly header: string;
  readonly align?: "left" | "right";
  readonly cell: (row: Row) => string;
}

/** A plain, aligned text table: a header row, then one row per item, columns two spaces apart. */
export function textTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], indent = "  "): string {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => (line[i] ?? "").length)),
  );
  const format = (values: readonly string[]) =>
    indent +
    values
      .map((value, i) => {
        const width = widths[i] ?? 0;
        return columns[i]?.align === "right" ? value.padStart(width) : value.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [format(columns.map((c) => c.header)), ...cells.map(format)].join("\n");
}
