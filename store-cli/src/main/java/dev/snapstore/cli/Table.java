package dev.snapstore.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table: first column left-aligned, the others right-aligned. Not thread-safe. */
final class Table {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        this.header = header;
    }

    void row(String... cells) {
        if (cells.length != header.length) {
            throw new IllegalArgumentException("expected " + header.length + " cells, got " + cells.length);
        }
        rows.add(cells);
    }

    void print(PrintWriter o, String indent) {
        int[] w = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            w[c] = header[c].length();
            for (String[] r : rows) {
                w[c] = Math.max(w[c], r[c].length());
            }
        }
        line(o, indent, header, w);
        StringBuilder rule = new StringBuilder(indent);
        for (int c = 0; c < w.length; c++) {
            rule.append(c == 0 ? "" : "  ").append("-".repeat(w[c]));
        }
        o.println(rule);
        for (String[] r : rows) {
            line(o, indent, r, w);
        }
    }

    private static void line(PrintWriter o, String indent, String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder(indent);
        for (int c = 0; c < cells.length; c++) {
            if (c == 0) {
                sb.append(cells[c]).append(" ".repeat(w[c] - cells[c].length()));
            } else {
                sb.append("  ").append(" ".repeat(w[c] - cells[c].length())).append(cells[c]);
            }
        }
        o.println(sb.toString().stripTrailing());
    }
}
