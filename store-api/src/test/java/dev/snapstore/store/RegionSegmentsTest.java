package dev.snapstore.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The class every JDK sees. Before 22 it refuses with a message naming the JDK it needs; on 22+ the
 * versioned class is loaded (RegionSegments22Test, compiled by the java22 profile, checks the views).
 */
class RegionSegmentsTest {
    @Test
    void saysWhichJdkItNeeds() {
        if (Runtime.version().feature() >= 22) {
            // the versioned class (from the multi-release jar, or test-classes on a JDK 22+ build)
            assertTrue(RegionSegments.isSupported(), "JDK " + Runtime.version() + " should load the JDK 22 version");
            return;
        }
        assertFalse(RegionSegments.isSupported());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> RegionSegments.of((Region) null));
        assertTrue(e.getMessage().contains("JDK 22 or later"), e.getMessage());
        assertTrue(e.getMessage().contains("Java " + Runtime.version().feature()), e.getMessage());
    }

    @Test
    void aByteBufferSliceSaysWhyItStopsAt2GiB() {
        // what (int) region.size() gives for a 3 GiB region: the message says why and what to use instead
        long size = 3L << 30;
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> DirectBuffers.slice(4096, size, 0, (int) size, false));
        assertTrue(e.getMessage().contains("2 GiB") && e.getMessage().contains("RegionSegments.of"), e.getMessage());
    }
}
