package dev.snapstore.tools;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table: the first {@code leftColumns} columns left-aligned, the others right-aligned,
 * two spaces between columns, a rule of dashes under the header (when there is one). Not
 * thread-safe.
 */
public final class TextTable {
    private final String[] header;
    private final int leftColumns;
    private final boolean rule;
    private final List<String[]> rows = new ArrayList<>();

    /** A table whose first column is left-aligned and whose header is underlined. */
    public TextTable(String... header) {
        this(1, true, header);
    }

    /**
     * @param leftColumns how many leading columns are left-aligned
     * @param rule        whether a line of dashes follows the header
     */
    public TextTable(int leftColumns, boolean rule, String... header) {
        this.header = header.clone();
        this.leftColumns = leftColumns;
        this.rule = rule;
    }

    /** Adds a row of exactly as many cells as the header has. */
    public TextTable row(String... cells) {
        if (cells.length != header.length) {
            throw new IllegalArgumentException("expected " + header.length + " cells, got " + cells.length);
        }
        rows.add(cells.clone());
        return this;
    }

    /** The table, every line starting with {@code indent} and ending with a newline. */
    public String render(String indent) {
        int[] w = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            w[c] = header[c].length();
            for (String[] r : rows) {
                w[c] = Math.max(w[c], r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, indent, header, w);
        if (rule) {
            StringBuilder dashes = new StringBuilder(indent);
            for (int c = 0; c < w.length; c++) {
                dashes.append(c == 0 ? "" : "  ").append("-".repeat(w[c]));
            }
            sb.append(dashes).append('\n');
        }
        for (String[] r : rows) {
            line(sb, indent, r, w);
        }
        return sb.toString();
    }

    private void line(StringBuilder out, String indent, String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder(indent);
        for (int c = 0; c < cells.length; c++) {
            String pad = " ".repeat(w[c] - cells[c].length());
            sb.append(c == 0 ? "" : "  ");
            if (c < leftColumns) {
                sb.append(cells[c]).append(pad);
            } else {
                sb.append(pad).append(cells[c]);
            }
        }
        out.append(sb.toString().stripTrailing()).append('\n');
    }
}
