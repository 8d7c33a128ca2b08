package dev.snapstore.bench;

import java.util.SplittableRandom;

/**
 * Zipf-distributed integers in {@code [0, n)}: rank {@code k} (0-based) is drawn with probability
 * proportional to {@code 1 / (k + 1)^s}. Uses rejection-inversion sampling (W. Hörmann and
 * G. Derflinger, "Rejection-inversion to generate variates from monotone discrete
 * distributions", 1996), so it needs O(1) memory and no table of size n.
 *
 * <p>Not thread-safe: give every thread its own instance.
 */
public final class Zipf {
    private final long n;
    private final double s;
    private final SplittableRandom random;
    private final double hIntegralX1;
    private final double hIntegralN;
    private final double threshold;

    /**
     * @param n        number of ranks, at least 1
     * @param exponent s &gt; 0 (0.99 is the YCSB default for "hot keys")
     * @param seed     seed of the underlying generator
     */
    public Zipf(long n, double exponent, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1: " + n);
        }
        if (!(exponent > 0)) {
            throw new IllegalArgumentException("exponent must be > 0: " + exponent);
        }
        this.n = n;
        this.s = exponent;
        this.random = new SplittableRandom(seed);
        this.hIntegralX1 = hIntegral(1.5) - 1.0;
        this.hIntegralN = hIntegral(n + 0.5);
        this.threshold = 2.0 - hIntegralInverse(hIntegral(2.5) - h(2.0));
    }

    /** The next rank, 0 (the most frequent) .. n - 1. */
    public long next() {
        while (true) {
            double u = hIntegralN + random.nextDouble() * (hIntegralX1 - hIntegralN);
            double x = hIntegralInverse(u);
            long k = (long) (x + 0.5);
            if (k < 1) {
                k = 1;
            } else if (k > n) {
                k = n;
            }
            if (k - x <= threshold || u >= hIntegral(k + 0.5) - h(k)) {
                return k - 1;
            }
        }
    }

    /** Number of ranks. */
    public long n() {
        return n;
    }

    private double h(double x) {
        return Math.exp(-s * Math.log(x));
    }

    /** Integral of h: ((x^(1-s)) - 1) / (1 - s), continuous at s = 1 (log x). */
    private double hIntegral(double x) {
        double logX = Math.log(x);
        return helper2((1.0 - s) * logX) * logX;
    }

    private double hIntegralInverse(double x) {
        double t = x * (1.0 - s);
        if (t < -1.0) {
            t = -1.0; // numerical guard at the far tail
        }
        return Math.exp(helper1(t) * x);
    }

    /** log(1 + x) / x, accurate near 0. */
    private static double helper1(double x) {
        if (Math.abs(x) > 1e-8) {
            return Math.log1p(x) / x;
        }
        return 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
    }

    /** (exp(x) - 1) / x, accurate near 0. */
    private static double helper2(double x) {
        if (Math.abs(x) > 1e-8) {
            return Math.expm1(x) / x;
        }
        return 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x));
    }

    /**
     * Spreads ranks over {@code [0, n)} so that hot ranks are not neighbours: a bijection
     * (multiplication by an odd constant modulo the next power of two, cycle-walked into range).
     */
    public static long scramble(long rank, long n) {
        long mask = Long.highestOneBit(Math.max(1, n - 1)) * 2 - 1;
        long x = rank;
        do {
            x = (x * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L) & mask;
        } while (x >= n);
        return x;
    }
}
