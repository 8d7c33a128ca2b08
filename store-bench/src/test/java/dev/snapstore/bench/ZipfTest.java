package dev.snapstore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;

import org.junit.jupiter.api.Test;

class ZipfTest {

    /** Empirical frequencies of the top ranks match 1/k^s normalised, within sampling noise. */
    @Test
    void frequenciesFollowTheLaw() {
        for (double s : new double[] {0.5, 0.99, 1.0, 1.2}) {
            int n = 1000;
            int samples = 400_000;
            long[] counts = new long[n];
            Zipf z = new Zipf(n, s, 7);
            for (int i = 0; i < samples; i++) {
                long k = z.next();
                assertTrue(k >= 0 && k < n, "rank in range: " + k);
                counts[(int) k]++;
            }
            double norm = 0;
            for (int k = 1; k <= n; k++) {
                norm += 1 / Math.pow(k, s);
            }
            for (int k = 0; k < 10; k++) {
                double expected = samples / Math.pow(k + 1, s) / norm;
                double sigma = Math.sqrt(expected);
                assertTrue(Math.abs(counts[k] - expected) < 6 * sigma + 0.02 * expected,
                        "s=" + s + " rank " + k + ": " + counts[k] + " vs " + expected);
            }
            assertTrue(counts[0] > counts[1] && counts[1] > counts[9], "monotone head for s=" + s);
        }
    }

    @Test
    void singleRankAndHugeN() {
        Zipf one = new Zipf(1, 0.99, 1);
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, one.next());
        }
        Zipf big = new Zipf(1L << 40, 0.99, 1);
        for (int i = 0; i < 10000; i++) {
            long k = big.next();
            assertTrue(k >= 0 && k < 1L << 40);
        }
    }

    @Test
    void sameSeedSameSequence() {
        Zipf a = new Zipf(5000, 0.99, 3);
        Zipf b = new Zipf(5000, 0.99, 3);
        for (int i = 0; i < 1000; i++) {
            assertEquals(a.next(), b.next());
        }
    }

    @Test
    void scrambleIsAPermutation() {
        for (long n : new long[] {1, 2, 3, 7, 64, 1000, 4097}) {
            BitSet seen = new BitSet();
            for (long r = 0; r < n; r++) {
                long x = Zipf.scramble(r, n);
                assertTrue(x >= 0 && x < n);
                assertTrue(!seen.get((int) x), "n=" + n + ": " + x + " twice");
                seen.set((int) x);
            }
        }
    }
}
