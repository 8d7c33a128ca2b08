package dev.snapstore.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void headerRoundTripsThroughAFile() throws Exception {
        List<Safetensors.Tensor> tensors = List.of(
                new Safetensors.Tensor("model.layers.1.w", "BF16", new long[] {4, 8}, 0, 64),
                new Safetensors.Tensor("model.embed_tokens.weight", "F32", new long[] {16}, 64, 128),
                new Safetensors.Tensor("lm_head.weight", "BF16", new long[] {2, 2}, 128, 136));
        byte[] header = Safetensors.header(tensors, Map.of("format", "pt"));
        assertEquals(0, header.length % 8, "padded to 8 bytes");
        Path f = dir.resolve("m.safetensors");
        Files.write(f, ByteBuffer.allocate(header.length + 136).put(header).array());
        Safetensors.Layout layout = Safetensors.readIfPresent(f);
        assertEquals(header.length, layout.dataStart());
        assertEquals(Map.of("format", "pt"), layout.metadata());
        assertEquals(3, layout.tensors().size());
        Safetensors.Tensor embed = layout.tensors().get(1);
        assertEquals("model.embed_tokens.weight", embed.name());
        assertArrayEquals(new long[] {16}, embed.shape());
        assertEquals(header.length + 64, layout.fileOffset(embed));
        List<Safetensors.Tensor> order = Safetensors.layerOrder(layout.tensors());
        assertEquals(List.of("model.embed_tokens.weight", "model.layers.1.w", "lm_head.weight"),
                order.stream().map(Safetensors.Tensor::name).toList());
    }

    @Test
    void otherFilesAreNotSafetensors() throws Exception {
        Path f = dir.resolve("x.bin");
        Files.write(f, "SNAPSTOR and then some bytes".getBytes());
        assertNull(Safetensors.readIfPresent(f));
        byte[] truncated = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array();
        Files.write(f, truncated);
        assertNull(Safetensors.readIfPresent(f), "header longer than the file");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.parse("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[8,4]}}", 8));
        assertTrue(e.getMessage().contains("tensor w"), e.getMessage());
    }
}
