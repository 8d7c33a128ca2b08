package dev.snapstore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import dev.snapstore.tools.Safetensors;
import org.junit.jupiter.api.Test;

class PlanTest {

    @Test
    void touchesCoverEveryPageOfARange() {
        assertEquals(1, Plan.touchesIn(0, 8));
        assertEquals(1, Plan.touchesIn(0, 4096));
        assertEquals(2, Plan.touchesIn(0, 4097));
        assertEquals(2, Plan.touchesIn(4000, 200)); // 4000 and 4096
        assertEquals(512, Plan.touchesIn(0, 2 << 20));
        assertEquals(0, Plan.touchesIn(100, 0));
    }

    @Test
    void plansStayInsideTheImage() {
        long size = (64L << 20) + 12345;
        List<Safetensors.Tensor> tensors = List.of(
                new Safetensors.Tensor("lm_head.weight", "BF16", new long[0], 1000, 1000 + 5000),
                new Safetensors.Tensor("model.layers.1.w", "BF16", new long[0], 6000, 6000 + 7000),
                new Safetensors.Tensor("model.layers.0.w", "BF16", new long[0], 13000, 13000 + 100),
                new Safetensors.Tensor("model.embed_tokens.weight", "BF16", new long[0], 13100, 13100 + (1 << 20)));
        Safetensors.Layout layout = new Safetensors.Layout(0, tensors, java.util.Map.of());
        for (Scenario sc : Scenario.values()) {
            if (!sc.touches()) {
                continue; // cold-start, open-scale: Startup measures open and map, no plan
            }
            Plan p = Plan.of(sc, size, 2 << 20, layout, 9);
            assertTrue(p.segments() > 0, sc.toString());
            assertTrue(p.touchOps() > 0, sc.toString());
            for (int i = 0; i < p.segments(); i++) {
                assertTrue(p.offset(i) >= 0 && p.offset(i) + p.length(i) <= size, sc + " segment " + i);
            }
        }
        Plan mw = Plan.of(Scenario.MODEL_WEIGHTS, size, 2 << 20, layout, 9);
        assertEquals(13100, mw.offset(0), "embeddings first");
        assertEquals(13000, mw.offset(1), "then layer 0");
        assertEquals(6000, mw.offset(2), "then layer 1");
        assertEquals(1000, mw.offset(3), "head last");
        Plan rc = Plan.of(Scenario.RANDOM_CHUNKS, size, 2 << 20, null, 9);
        assertEquals(2, rc.segments(), "5% of 33 chunks, rounded up");
        Plan fork = Plan.of(Scenario.JMH_FORK, size, 2 << 20, null, 9);
        assertTrue(fork.write() && fork.iterations() > 1);
    }

    @Test
    void pickDrawsDistinctValues() {
        long[] p = Plan.pick(100, 100, 1);
        assertEquals(100, java.util.Arrays.stream(p).distinct().count());
    }
}
