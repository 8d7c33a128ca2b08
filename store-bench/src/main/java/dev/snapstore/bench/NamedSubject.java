package dev.snapstore.bench;

/**
 * The part every subject shares: its results.json {@code system} and {@code mode}, and, for
 * subjects whose image is one contiguous range of memory, reads and writes at its address.
 * Not thread-safe.
 */
abstract class NamedSubject implements Subject {
    private final String system;
    private final String mode;
    /** Where the image starts in memory while open; 0 when closed or not contiguous. */
    protected long address;

    protected NamedSubject(String system, String mode) {
        this.system = system;
        this.mode = mode;
    }

    @Override
    public final String system() {
        return system;
    }

    @Override
    public final String mode() {
        return mode;
    }

    @Override
    public long addressOf(long offset) {
        return address + offset;
    }

    @Override
    public long readLong(long offset) {
        return Os.getLong(addressOf(offset));
    }

    @Override
    public void writeLong(long offset, long value) {
        Os.putLong(addressOf(offset), value);
    }
}
