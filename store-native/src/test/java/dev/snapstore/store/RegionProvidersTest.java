package dev.snapstore.store;

import org.junit.jupiter.api.Test;

import dev.snapstore.store.linux.LinuxRegionProvider;
import dev.snapstore.store.spi.RegionProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With store-native on the class path, the built-in provider is found by name and asked once. */
class RegionProvidersTest {
    @Test
    void theBuiltInProviderIsFoundByNameAndNotAskedTwice() {
        assertEquals(RegionProviders.BUILT_IN, LinuxRegionProvider.class.getName());
        assertEquals(1, RegionProviders.first().size(), RegionProviders.first().toString());
        RegionProvider p = RegionProviders.first().get(0);
        assertInstanceOf(LinuxRegionProvider.class, p);
        // store-native's META-INF/services names the same class: the second tier does not repeat it
        assertTrue(RegionProviders.rest().isEmpty(), RegionProviders.rest().toString());
        assertEquals(1, RegionProviders.all().size());
        assertTrue(RegionProviders.all().get(0) == p, "one instance");
    }
}
