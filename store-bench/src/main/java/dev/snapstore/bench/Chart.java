package dev.snapstore.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

import dev.snapstore.tools.Sizes;

/**
 * The results chart: for every scenario, one row per system and mode, with horizontal bars for
 * cold (solid) and warm (light) runs — touch throughput on the left (GB/s, linear, longer is
 * better) and time to touch everything on the right (ms, log scale, shorter is better). Drawn
 * once as hand-written SVG and once with Java2D into a PNG, from the same layout code.
 *
 * <p>Not thread-safe.
 */
final class Chart {
    private static final int WIDTH = 1240;
    private static final int LABEL_W = 230;
    private static final int PANEL_W = 440;
    private static final int GAP = 60;
    private static final int BAR_H = 9;
    private static final int ROW_H = 2 * BAR_H + 8;
    private static final Map<String, String> COLORS = Map.of(
            "snapstore", "#1f6fb4", "eager", "#e07b18", "mmap", "#2a9d4a", "chronicle-mapped", "#8856a7",
            "codec-raw", "#7f7f7f", "memcpy", "#8c564b", "cat", "#bcbd22");

    private final List<Result> results;
    private final Map<String, Object> machine;

    Chart(List<Result> results, Map<String, Object> machine) {
        this.results = results;
        this.machine = machine;
    }

    /** Drawing operations both back ends implement. */
    private interface Canvas {
        void rect(double x, double y, double w, double h, String color, double opacity);

        void line(double x1, double y1, double x2, double y2, String color);

        /** anchor: "start", "middle" or "end". */
        void text(double x, double y, String s, int size, String anchor, boolean bold, String color);
    }

    String svg() {
        int height = height();
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n");
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        draw(new Canvas() {
            @Override
            public void rect(double x, double y, double w, double h, String color, double opacity) {
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"%s/>%n",
                        x, y, Math.max(0, w), h, color, opacity < 1 ? String.format(Locale.ROOT, " fill-opacity=\"%.2f\"", opacity) : ""));
            }

            @Override
            public void line(double x1, double y1, double x2, double y2, String color) {
                sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>%n",
                        x1, y1, x2, y2, color));
            }

            @Override
            public void text(double x, double y, String s, int size, String anchor, boolean bold, String color) {
                sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\" fill=\"%s\"%s>",
                        x, y, size, anchor, color, bold ? " font-weight=\"bold\"" : ""));
                sb.append(escapeXml(s)).append("</text>\n");
            }
        });
        sb.append("</svg>\n");
        return sb.toString();
    }

    void png(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int height = height();
        BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, height);
            g.setStroke(new BasicStroke(1f));
            draw(new Canvas() {
                @Override
                public void rect(double x, double y, double w, double h, String color, double opacity) {
                    g.setColor(color(color, opacity));
                    g.fill(new java.awt.geom.Rectangle2D.Double(x, y, Math.max(0, w), h));
                }

                @Override
                public void line(double x1, double y1, double x2, double y2, String color) {
                    g.setColor(color(color, 1));
                    g.draw(new java.awt.geom.Line2D.Double(x1, y1, x2, y2));
                }

                @Override
                public void text(double x, double y, String s, int size, String anchor, boolean bold, String color) {
                    g.setFont(new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, size));
                    g.setColor(color(color, 1));
                    double w = g.getFontMetrics().stringWidth(s);
                    double dx = anchor.equals("middle") ? -w / 2 : anchor.equals("end") ? -w : 0;
                    g.drawString(s, (float) (x + dx), (float) y);
                }
            });
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer in this JDK");
        }
    }

    private static Color color(String hex, double opacity) {
        Color c = Color.decode(hex);
        if (opacity >= 1) {
            return c;
        }
        // blend with white, as fill-opacity does over the white background
        int r = (int) Math.round(255 - (255 - c.getRed()) * opacity);
        int gr = (int) Math.round(255 - (255 - c.getGreen()) * opacity);
        int b = (int) Math.round(255 - (255 - c.getBlue()) * opacity);
        return new Color(r, gr, b);
    }

    /** The five characters XML escapes, and their entities at the same index. */
    private static final String XML_SPECIAL = "<>&\"'";
    private static final String[] XML_ENTITIES = {"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"};

    /** {@code s} as XML text: the special characters as entities, control characters (but tab and newline) dropped. */
    static String escapeXml(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int special = XML_SPECIAL.indexOf(c);
            if (special >= 0) {
                sb.append(XML_ENTITIES[special]);
            } else if (c >= 0x20 || c == '\t' || c == '\n') {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** scenario → row label "system mode" → state → {gbps, ms}. */
    private Map<String, Map<String, Map<String, double[]>>> model() {
        Map<String, Map<String, Map<String, double[]>>> m = new LinkedHashMap<>();
        for (Result r : results) {
            if (r.scenario().equals("pack") || r.scenario().equals(Scenario.BUDGET.cliName())
                    || r.scenario().equals(Scenario.REMOTE.cliName())) {
                continue;
            }
            boolean gb = r.metric().equals("touch_all_gbps");
            boolean ms = r.metric().equals("touch_all_ms");
            if (!gb && !ms) {
                continue;
            }
            double[] v = m.computeIfAbsent(r.scenario(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.system() + " " + r.mode(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.state(), k -> new double[] {Double.NaN, Double.NaN});
            v[gb ? 0 : 1] = r.value();
        }
        return m;
    }

    private int height() {
        int h = 110;
        for (Map<String, Map<String, double[]>> rows : model().values()) {
            h += 58 + rows.size() * ROW_H + 24;
        }
        Map<String, double[]> budget = budgetModel();
        if (!budget.isEmpty()) {
            h += 58 + budget.size() * ROW_H + 24;
        }
        Map<String, double[]> remote = remoteModel();
        if (!remote.isEmpty()) {
            h += 58 + remote.size() * ROW_H + 24;
        }
        return h + 40;
    }

    private void draw(Canvas c) {
        c.text(20, 30, "snapstore bench: restore and touch, cold (solid) and warm (light)", 20, "start", true, "#222222");
        c.text(20, 52, subtitle(), 12, "start", false, "#555555");
        double lx = 20;
        String[] order = {"snapstore", "eager", "mmap", "chronicle-mapped", "codec-raw", "memcpy", "cat"};
        for (String s : order) {
            c.rect(lx, 64, 14, 10, COLORS.get(s), 1);
            c.text(lx + 18, 73, s, 12, "start", false, "#333333");
            lx += 30 + s.length() * 7.2;
        }
        c.rect(lx + 10, 64, 14, 10, "#555555", 1);
        c.text(lx + 28, 73, "cold", 12, "start", false, "#333333");
        c.rect(lx + 70, 64, 14, 10, "#555555", 0.4);
        c.text(lx + 88, 73, "warm", 12, "start", false, "#333333");
        c.text(20, 94, "left: touch throughput, GB/s (longer is better; includes open/restore)   right: time until every "
                + "planned page was touched, ms (log scale, shorter is better)", 12, "start", false, "#555555");

        double y = 110;
        double leftX = LABEL_W;
        double rightX = LABEL_W + PANEL_W + GAP;
        for (Map.Entry<String, Map<String, Map<String, double[]>>> sc : model().entrySet()) {
            Map<String, Map<String, double[]>> rows = sc.getValue();
            c.text(20, y + 22, sc.getKey(), 16, "start", true, "#222222");
            double top = y + 34;
            double maxGb = 0;
            double minMs = Double.MAX_VALUE;
            double maxMs = 0;
            for (Map<String, double[]> states : rows.values()) {
                for (double[] v : states.values()) {
                    if (v[0] > 0) {
                        maxGb = Math.max(maxGb, v[0]);
                    }
                    if (v[1] > 0) {
                        minMs = Math.min(minMs, v[1]);
                        maxMs = Math.max(maxMs, v[1]);
                    }
                }
            }
            double gbMax = niceCeil(maxGb);
            double logLo = Math.floor(Math.log10(minMs == Double.MAX_VALUE ? 1 : minMs));
            double logHi = Math.ceil(Math.log10(Math.max(maxMs, 10 * Math.pow(10, logLo))));
            if (logHi <= logLo) {
                logHi = logLo + 1;
            }
            double bottom = top + rows.size() * ROW_H;
            // axes and grid
            for (int i = 0; i <= 4; i++) {
                double gx = leftX + PANEL_W * i / 4.0;
                c.line(gx, top - 4, gx, bottom, "#e3e3e3");
                c.text(gx, bottom + 14, Table.num(gbMax * i / 4.0), 11, "middle", false, "#555555");
            }
            c.text(leftX + PANEL_W, top - 8, "GB/s", 11, "end", false, "#555555");
            for (double p = logLo; p <= logHi; p++) {
                double gx = rightX + PANEL_W * (p - logLo) / (logHi - logLo);
                c.line(gx, top - 4, gx, bottom, "#e3e3e3");
                c.text(gx, bottom + 14, msLabel(Math.pow(10, p)), 11, "middle", false, "#555555");
            }
            c.text(rightX + PANEL_W, top - 8, "ms to touch all (log)", 11, "end", false, "#555555");
            double ry = top;
            for (Map.Entry<String, Map<String, double[]>> row : rows.entrySet()) {
                String system = row.getKey().split(" ")[0];
                String color = COLORS.getOrDefault(system, "#444444");
                c.text(leftX - 8, ry + BAR_H + 4, row.getKey(), 12, "end", false, "#222222");
                int k = 0;
                for (String state : new String[] {"cold", "warm"}) {
                    double[] v = row.getValue().get(state);
                    double by = ry + k * BAR_H + 1;
                    k++;
                    if (v == null) {
                        continue;
                    }
                    double op = state.equals("cold") ? 1 : 0.4;
                    if (v[0] > 0) {
                        double w = PANEL_W * v[0] / gbMax;
                        c.rect(leftX, by, w, BAR_H - 1, color, op);
                        c.text(leftX + w + 4, by + BAR_H - 1, Table.num(v[0]), 10, "start", false, "#333333");
                    }
                    if (v[1] > 0) {
                        double w = PANEL_W * (Math.log10(v[1]) - logLo) / (logHi - logLo);
                        c.rect(rightX, by, Math.max(1, w), BAR_H - 1, color, op);
                        c.text(rightX + Math.max(1, w) + 4, by + BAR_H - 1, Table.num(v[1]), 10, "start", false, "#333333");
                    }
                }
                ry += ROW_H;
            }
            c.line(leftX, top - 4, leftX, bottom, "#888888");
            c.line(rightX, top - 4, rightX, bottom, "#888888");
            y = bottom + 24 + 24;
        }
        y = drawBudget(c, y);
        y = drawRemote(c, y);
        c.text(20, y + 10, "Every bar is one measurement in a fresh JVM on a shared, noisy machine; read ratios within one run.",
                11, "start", false, "#777777");
    }

    /** The budget scenario: row label "system mode" → {lookups/s, hit ratio}. */
    private Map<String, double[]> budgetModel() {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (Result r : results) {
            boolean rate = r.metric().equals("lookups_per_s");
            if (!r.scenario().equals(Scenario.BUDGET.cliName()) || !rate && !r.metric().equals("hit_ratio")) {
                continue;
            }
            m.computeIfAbsent(r.system() + " " + r.mode(), k -> new double[] {Double.NaN, Double.NaN})[rate ? 0 : 1] = r.value();
        }
        return m;
    }

    /** The budget scenario's panel pair: lookups per second (log) and hit ratio (0..1); returns the next y. */
    private double drawBudget(Canvas c, double y) {
        Map<String, double[]> rows = budgetModel();
        if (rows.isEmpty()) {
            return y;
        }
        c.text(20, y + 22, "budget: Zipf lookups + scans, image 4x the memory (left: lookups/s, log; right: hit ratio)",
                16, "start", true, "#222222");
        double top = y + 34;
        double bottom = top + rows.size() * ROW_H;
        double leftX = LABEL_W;
        double rightX = LABEL_W + PANEL_W + GAP;
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (double[] v : rows.values()) {
            if (v[0] > 0) {
                lo = Math.min(lo, v[0]);
                hi = Math.max(hi, v[0]);
            }
        }
        double logLo = Math.floor(Math.log10(lo == Double.MAX_VALUE ? 1 : lo));
        double logHi = Math.max(logLo + 1, Math.ceil(Math.log10(Math.max(hi, 1))));
        for (double p = logLo; p <= logHi; p++) {
            double gx = leftX + PANEL_W * (p - logLo) / (logHi - logLo);
            c.line(gx, top - 4, gx, bottom, "#e3e3e3");
            c.text(gx, bottom + 14, Table.num(Math.pow(10, p)), 11, "middle", false, "#555555");
        }
        for (int i = 0; i <= 4; i++) {
            double gx = rightX + PANEL_W * i / 4.0;
            c.line(gx, top - 4, gx, bottom, "#e3e3e3");
            c.text(gx, bottom + 14, Table.num(i / 4.0), 11, "middle", false, "#555555");
        }
        double ry = top;
        for (Map.Entry<String, double[]> row : rows.entrySet()) {
            String color = COLORS.getOrDefault(row.getKey().split(" ")[0].replaceAll("-.*", ""), "#444444");
            double op = row.getKey().startsWith("snapstore-") ? 0.4 : 1;
            c.text(leftX - 8, ry + BAR_H + 4, row.getKey(), 12, "end", false, "#222222");
            double[] v = row.getValue();
            if (v[0] > 0) {
                double w = Math.max(1, PANEL_W * (Math.log10(v[0]) - logLo) / (logHi - logLo));
                c.rect(leftX, ry + 1, w, 2 * BAR_H - 2, color, op);
                c.text(leftX + w + 4, ry + BAR_H + 4, Table.num(v[0]), 10, "start", false, "#333333");
            }
            if (v[1] >= 0) {
                double w = Math.max(1, PANEL_W * v[1]);
                c.rect(rightX, ry + 1, w, 2 * BAR_H - 2, color, op);
                c.text(rightX + w + 4, ry + BAR_H + 4, String.format(Locale.ROOT, "%.3f", v[1]), 10, "start", false, "#333333");
            }
            ry += ROW_H;
        }
        c.line(leftX, top - 4, leftX, bottom, "#888888");
        c.line(rightX, top - 4, rightX, bottom, "#888888");
        return bottom + 48;
    }

    /** What the remote panel shows, in this order: the metric, its label, and whose bar it is. */
    private static final String[][] REMOTE_ROWS = {
            {"ttfb_ms", "first byte (open + map + 1 read)", "snapstore"},
            {"random5_ms", "5 % random, 1 thread", "snapstore"},
            {"random5_" + Remote.TOUCHERS + "t_ms", "5 % random, " + Remote.TOUCHERS + " threads", "snapstore"},
            {"random5_profile_ms", "5 % random, 1 thread + profile", "snapstore"},
            {"full_ms", "full lazy restore (load)", "snapstore"},
            {"full_ms", "baseline: parallel download + map", "parallel-download"}};

    /** The remote scenario: row label → {median, min, max} ms. */
    private Map<String, double[]> remoteModel() {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (String[] row : REMOTE_ROWS) {
            String base = row[0].substring(0, row[0].length() - 3);
            double[] v = {Double.NaN, Double.NaN, Double.NaN};
            for (Result r : results) {
                if (!r.scenario().equals(Scenario.REMOTE.cliName()) || !r.system().equals(row[2])) {
                    continue;
                }
                if (r.metric().equals(row[0])) {
                    v[0] = r.value();
                } else if (r.metric().equals(base + "_min_ms")) {
                    v[1] = r.value();
                } else if (r.metric().equals(base + "_max_ms")) {
                    v[2] = r.value();
                }
            }
            if (v[0] > 0) {
                m.put(row[2] + "|" + row[1], v);
            }
        }
        return m;
    }

    /** The remote scenario's panel: medians as bars, the range as a whisker (ms, log); returns the next y. */
    private double drawRemote(Canvas c, double y) {
        Map<String, double[]> rows = remoteModel();
        if (rows.isEmpty()) {
            return y;
        }
        c.text(20, y + 22, "remote: the snapshot over HTTP with added latency per request (ms, log; shorter is better; "
                + "whisker = range)", 16, "start", true, "#222222");
        double top = y + 34;
        double bottom = top + rows.size() * ROW_H;
        double leftX = LABEL_W + 60;
        double width = PANEL_W * 2 + GAP - 60;
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (double[] v : rows.values()) {
            lo = Math.min(lo, v[1] > 0 ? v[1] : v[0]);
            hi = Math.max(hi, v[2] > 0 ? v[2] : v[0]);
        }
        double logLo = Math.floor(Math.log10(lo));
        double logHi = Math.max(logLo + 1, Math.ceil(Math.log10(hi)));
        for (double p = logLo; p <= logHi; p++) {
            double gx = leftX + width * (p - logLo) / (logHi - logLo);
            c.line(gx, top - 4, gx, bottom, "#e3e3e3");
            c.text(gx, bottom + 14, msLabel(Math.pow(10, p)), 11, "middle", false, "#555555");
        }
        double ry = top;
        for (Map.Entry<String, double[]> row : rows.entrySet()) {
            String[] who = row.getKey().split("\\|", 2);
            String color = COLORS.getOrDefault(who[0], COLORS.get("eager"));
            c.text(leftX - 8, ry + BAR_H + 4, who[1], 12, "end", false, "#222222");
            double[] v = row.getValue();
            double w = Math.max(1, width * (Math.log10(v[0]) - logLo) / (logHi - logLo));
            c.rect(leftX, ry + 1, w, 2 * BAR_H - 2, color, 1);
            double label = leftX + w + 4;
            if (v[1] > 0 && v[2] > 0) {
                double x1 = leftX + width * (Math.log10(v[1]) - logLo) / (logHi - logLo);
                double x2 = leftX + width * (Math.log10(v[2]) - logLo) / (logHi - logLo);
                c.line(x1, ry + BAR_H, x2, ry + BAR_H, "#222222");
                c.line(x1, ry + 3, x1, ry + 2 * BAR_H - 3, "#222222");
                c.line(x2, ry + 3, x2, ry + 2 * BAR_H - 3, "#222222");
                label = Math.max(label, x2 + 4);
            }
            c.text(label, ry + BAR_H + 4, Table.num(v[0]) + " ms", 10, "start", false, "#333333");
            ry += ROW_H;
        }
        c.line(leftX, top - 4, leftX, bottom, "#888888");
        return bottom + 48;
    }

    private String subtitle() {
        List<String> parts = new ArrayList<>();
        parts.add(machine.get("cores") + " cores " + machine.getOrDefault("cpu", ""));
        Object mem = machine.get("memory_bytes");
        if (mem instanceof Number) {
            parts.add(Sizes.format(((Number) mem).longValue()) + " RAM");
        }
        parts.add("kernel " + machine.get("kernel"));
        Object in = machine.get("input");
        if (in instanceof Map) {
            Map<?, ?> i = (Map<?, ?>) in;
            Object lb = i.get("logical_bytes");
            parts.add("input " + i.get("kind") + " " + (lb instanceof Number ? Sizes.format(((Number) lb).longValue()) : "")
                    + ", " + i.get("codec") + " ratio " + (i.get("ratio") instanceof Number ? Table.num(((Number) i.get("ratio")).doubleValue()) : "?"));
        }
        Object run = machine.get("run");
        if (run instanceof Map && ((Map<?, ?>) run).get("statistic") != null) {
            parts.add(String.valueOf(((Map<?, ?>) run).get("statistic")));
        }
        return String.join(" | ", parts);
    }

    private static String msLabel(double ms) {
        if (ms >= 1000) {
            return Table.num(ms / 1000) + " s";
        }
        if (ms < 1) {
            return Table.num(ms * 1000) + " us";
        }
        return Table.num(ms) + " ms";
    }

    /** 1, 2, 2.5, 5 x 10^k at or above v. */
    static double niceCeil(double v) {
        if (!(v > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
