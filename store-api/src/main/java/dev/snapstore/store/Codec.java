package dev.snapstore.store;

/** How a chunk's bytes are stored in a snapshot. Ids are the on-disk codec ids (docs/FORMAT.md). */
public enum Codec {
    /** Stored raw. */
    NONE(0),
    /** One LZ4 block per chunk: the fastest to decompress. */
    LZ4(1),
    /** One zstd frame per chunk: smaller, slower to decompress. */
    ZSTD(2);

    private final int id;

    Codec(int id) {
        this.id = id;
    }

    /** The id written in the index. */
    public int id() {
        return id;
    }

    /** The codec with this on-disk id, or null when the id is unknown. */
    public static Codec ofId(int id) {
        switch (id) {
            case 0: return NONE;
            case 1: return LZ4;
            case 2: return ZSTD;
            default: return null;
        }
    }
}
