package dev.snapstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import dev.snapstore.store.PayloadPlacement.Aborted;
import dev.snapstore.store.PayloadPlacement.HashKey;
import dev.snapstore.store.PayloadPlacement.Offer;
import dev.snapstore.store.PayloadPlacement.Turn;
import dev.snapstore.store.format.FormatV1;
import org.junit.jupiter.api.Test;

/** Chunk-order placement without waiting for the turn: offers in any order, places in chunk order. */
class PayloadPlacementTest {

    private static Offer<String> data(int chunk, long hash, int stored) {
        return new Offer<>(chunk, new HashKey(hash, ~hash, 1 << 16), stored, Codec.LZ4.id(), "c" + chunk);
    }

    @Test
    void aLaterChunkWaitsWithoutBlockingAndIsPlacedByTheEarlierOne() throws IOException {
        PayloadPlacement<String> p = new PayloadPlacement<>();
        assertEquals(List.of(), p.offer(data(1, 11, 300)), "chunk 1 cannot be placed before chunk 0");
        assertEquals(List.of(), p.offer(data(2, 12, 50)));
        List<Turn<String>> turns = p.offer(data(0, 10, 100));
        assertEquals(List.of("c0", "c1", "c2"), turns.stream().map(Turn::item).toList());
        long at = FormatV1.HEADER_SIZE;
        assertEquals(at, turns.get(0).placed().offset());
        assertEquals(at + 100, turns.get(1).placed().offset());
        assertEquals(at + 400, turns.get(2).placed().offset());
        assertEquals(at + 450, p.end());
    }

    @Test
    void duplicatesAndZerosTakeNoRoomWhateverTheOfferOrder() throws IOException {
        // 64+ chunks offered in a shuffled order: the layout is the one of chunk order
        int n = 96;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(7));
        PayloadPlacement<String> p = new PayloadPlacement<>();
        List<Turn<String>> all = new ArrayList<>();
        for (int c : order) {
            Offer<String> o = c % 5 == 0 ? new Offer<>(c, null, 0, Codec.NONE.id(), "c" + c)
                    : data(c, c % 3 == 0 ? 3 : c, 10 + c); // every multiple of 3 (not 5) has one content
            all.addAll(p.offer(o));
        }
        assertEquals(n, all.size());
        long next = FormatV1.HEADER_SIZE;
        long firstThree = -1;
        for (int c = 0; c < n; c++) {
            Turn<String> t = all.get(c);
            assertEquals("c" + c, t.item(), "placed in chunk order");
            if (c % 5 == 0) {
                assertEquals(-1, t.placed().offset(), "zero chunk " + c);
            } else if (c % 3 == 0 && firstThree >= 0) {
                assertEquals(firstThree, t.placed().offset(), "duplicate " + c);
                assertTrue((t.placed().codecId() & PayloadPlacement.DEDUP_MARK) != 0);
            } else {
                assertEquals(next, t.placed().offset(), "chunk " + c);
                if (c % 3 == 0) {
                    firstThree = next;
                }
                next += 10 + c;
            }
        }
        assertEquals(next, p.end());
    }

    @Test
    void abortHandsBackTheWaitingChunksAndRefusesLaterOffers() throws IOException {
        PayloadPlacement<String> p = new PayloadPlacement<>();
        p.offer(data(2, 2, 10));
        p.offer(data(3, 3, 10));
        IOException first = new IOException("chunk 0 failed");
        List<String> left = p.abort(first);
        Collections.sort(left);
        assertEquals(List.of("c2", "c3"), left);
        Aborted a = assertThrows(Aborted.class, () -> p.offer(data(1, 1, 10)));
        assertSame(first, a.getCause());
        assertSame(first, assertThrows(Aborted.class, () -> p.offer(data(0, 0, 10))).getCause(), "the first abort wins");
        assertEquals(List.of(), p.abort(new IOException("later")));
    }

    @Test
    void aChunkOfferedTwiceIsABug() throws IOException {
        PayloadPlacement<String> p = new PayloadPlacement<>();
        p.offer(data(1, 1, 10));
        assertThrows(IllegalStateException.class, () -> p.offer(data(1, 1, 10)));
        p.offer(data(0, 0, 10));
        assertThrows(IllegalStateException.class, () -> p.offer(data(0, 0, 10)));
    }
}
