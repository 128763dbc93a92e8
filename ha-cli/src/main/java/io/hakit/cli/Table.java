package io.hakit.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain ASCII table for terminal output: a header row, a rule of dashes, then the rows, every column as wide as
 * its widest cell and separated by two spaces. Cells are {@code String.valueOf} of what is added; numbers are
 * aligned right, everything else left.
 *
 * <pre>
 * component   leader  epoch
 * ----------  ------  -----
 * dispatcher  node-1      1
 * </pre>
 *
 * <p>Not thread-safe.
 */
final class Table {

    private static final String GAP = "  ";

    private final String[] headers;
    private final boolean[] numeric;
    private final List<String[]> rows = new ArrayList<>();

    /**
     * A table with these column headers.
     *
     * @throws IllegalArgumentException if there is no header
     */
    Table(String... headers) {
        if (headers.length == 0) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        this.headers = headers.clone();
        this.numeric = new boolean[headers.length];
        Arrays.fill(numeric, true);
    }

    /**
     * Adds a row with one cell per column.
     *
     * @throws IllegalArgumentException if the number of cells is not the number of columns
     */
    Table row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, the table has " + headers.length
                    + " columns " + Arrays.toString(headers));
        }
        String[] text = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            text[i] = String.valueOf(cells[i]);
            numeric[i] &= cells[i] instanceof Number;
        }
        rows.add(text);
        return this;
    }

    /** The table as lines, each without trailing spaces and ending with a newline. */
    String render() {
        int[] widths = new int[headers.length];
        for (int i = 0; i < headers.length; i++) {
            widths[i] = headers[i].length();
        }
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                widths[i] = Math.max(widths[i], r[i].length());
            }
        }
        boolean right = !rows.isEmpty();
        StringBuilder out = new StringBuilder();
        line(out, headers, widths, right);
        String[] rule = new String[headers.length];
        for (int i = 0; i < rule.length; i++) {
            rule[i] = "-".repeat(widths[i]);
        }
        line(out, rule, widths, false);
        for (String[] r : rows) {
            line(out, r, widths, right);
        }
        return out.toString();
    }

    /** Prints {@link #render()} to {@code out}. */
    void print(PrintStream out) {
        out.print(render());
    }

    private void line(StringBuilder out, String[] cells, int[] widths, boolean alignNumbers) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                line.append(GAP);
            }
            String pad = " ".repeat(widths[i] - cells[i].length());
            if (alignNumbers && numeric[i]) {
                line.append(pad).append(cells[i]);
            } else {
                line.append(cells[i]).append(pad);
            }
        }
        int end = line.length();
        while (end > 0 && line.charAt(end - 1) == ' ') {
            end--;
        }
        out.append(line, 0, end).append('\n');
    }
}
