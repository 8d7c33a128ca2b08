package dev.snapstore.store.linux;

import java.nio.file.Path;

import dev.snapstore.store.CorruptSnapshotException;
import dev.snapstore.store.MapOptions;
import dev.snapstore.store.Mode;
import dev.snapstore.store.ModeUnavailableException;
import dev.snapstore.store.Snapshot;
import dev.snapstore.store.linux.internal.Errno;
import dev.snapstore.store.linux.internal.SnapEngine;
import dev.snapstore.store.linux.internal.Userfaultfd;

/**
 * The one place where a failure of the native engine becomes an exception. The engine reports a
 * typed error (kind, errno, failing call, detail; {@code enum sn_error_kind} in snapstore.h) and
 * {@link #translate} switches on the kind: missing kernel features and permissions become
 * {@link ModeUnavailableException} naming the fix, bad snapshot input
 * {@link CorruptSnapshotException} naming the file and the entry or chunk, anything else
 * {@link NativeIoException}. Stateless and thread-safe.
 */
final class EngineErrors {
    private EngineErrors() {
    }

    /**
     * The engine's error of the last failed call made by this thread.
     *
     * @param kind  {@code SnapEngine.SN_E_*}
     * @param errno positive errno
     * @param call  the failing call, e.g. {@code "mmap(hugetlb MAP_PRIVATE)"}
     * @param arg   the kind's detail (index entry, chunk, missing feature bits), -1 when none
     */
    record EngineError(int kind, int errno, String call, long arg) {
        /** Reads the typed error the engine recorded for the call that returned {@code rc < 0}. */
        static EngineError last(long rc) {
            int errno = SnapEngine.sn_error_errno();
            return new EngineError(SnapEngine.sn_error_kind(), errno != 0 ? errno : (int) Math.abs(rc),
                    SnapEngine.sn_error_call(), SnapEngine.sn_error_arg());
        }
    }

    /** The exception for the engine's last error on this thread, after a call returned {@code rc < 0}. */
    static Exception last(long rc, Snapshot snapshot, Mode mode, MapOptions options) {
        return translate(EngineError.last(rc), snapshot, mode, options);
    }

    /** A {@link ModeUnavailableException}, {@link CorruptSnapshotException} or {@link NativeIoException}. */
    static Exception translate(EngineError e, Snapshot snapshot, Mode mode, MapOptions options) {
        String err = Errno.name(e.errno()) + " (" + NativeIoException.describe(e.errno()) + ")";
        switch (e.kind()) {
            case SnapEngine.SN_E_UFFD_PERMISSION:
                return new ModeUnavailableException(mode, "userfaultfd is not permitted for this process (" + e.call()
                        + ": " + err + "); fix: 'sysctl -w vm.unprivileged_userfaultfd=1' or give this user read/write "
                        + "access to /dev/userfaultfd (e.g. 'setfacl -m u:$USER:rw /dev/userfaultfd')" + emulated());
            case SnapEngine.SN_E_UFFD_UNAVAILABLE:
                return new ModeUnavailableException(mode, "userfaultfd cannot be created (" + e.call() + ": " + err
                        + "); the kernel needs CONFIG_USERFAULTFD; run 'snapstore doctor'" + emulated());
            case SnapEngine.SN_E_UFFD_FEATURES:
                return new ModeUnavailableException(mode, "the kernel's userfaultfd lacks "
                        + (e.arg() > 0 ? String.join(", ", Userfaultfd.featureNames(e.arg())) : "a feature")
                        + ", which " + mode + " needs (" + e.call() + ": " + err + "; offered: "
                        + String.join(" ", Userfaultfd.featureNames(Userfaultfd.probe().features())) + "); "
                        + (mode == Mode.ANONYMOUS ? "" : mode == Mode.SHMEM ? "MINOR_SHMEM comes with Linux 5.14; "
                                : "MINOR_HUGETLBFS comes with Linux 5.13; ")
                        + "upgrade the kernel" + emulated());
            case SnapEngine.SN_E_HUGETLB_UNSUPPORTED:
                return new ModeUnavailableException(mode, "hugetlb memfds are not supported here (" + e.call() + ": "
                        + err + "); the kernel needs CONFIG_HUGETLBFS");
            case SnapEngine.SN_E_HUGETLB_RESERVE: {
                long pages = Hugepages.pagesFor(snapshot.length(), Hugepages.SIZE_2M);
                Hugepages.Pool pool = Hugepages.pool2m();
                return new ModeUnavailableException(mode, "a writable HUGETLB region reserves " + pages
                        + " free 2 MiB hugepages for its private copies on top of the image's own pages, and only "
                        + pool.available() + " are free; fix: 'echo " + (pool.total() + 2 * pages - pool.available())
                        + " > /proc/sys/vm/nr_hugepages', or map it read-only (MapOptions.readOnly(): one shared copy, "
                        + "no reservation), or use SHMEM");
            }
            case SnapEngine.SN_E_WARM_DIR: {
                String dir = options.warmCache().map(Object::toString).orElse("?");
                if (e.errno() == Errno.EXDEV) {
                    return new ModeUnavailableException(mode, "the warm cache directory " + dir + " is not on "
                            + (mode == Mode.HUGETLB ? "hugetlbfs; fix: 'mkdir -p " + dir
                                    + " && mount -t hugetlbfs -o pagesize=2M none " + dir + "'"
                                    : "tmpfs; fix: use a directory under /dev/shm"));
                }
                return new ModeUnavailableException(mode, "the warm cache directory " + dir + " cannot be used ("
                        + e.call() + ": " + err + ")");
            }
            case SnapEngine.SN_E_CORRUPT_INDEX:
                return corrupt(snapshot, -1, "index entry " + e.arg()
                        + " rejected by the native engine (raw length, codec, flags or stored length out of range)");
            case SnapEngine.SN_E_SNAPSHOT_CHANGED:
                return corrupt(snapshot, -1, "the file changed size since it was opened");
            case SnapEngine.SN_E_CORRUPT_CHUNK:
                return corrupt(snapshot, e.arg(), "could not be produced: " + chunkReason(e.errno()));
            default:
                return new NativeIoException(e.call(), e.errno());
        }
    }

    /**
     * The exception for a failed call on an open region (populate, check, reset): what
     * {@link #translate} gives, a {@link NativeIoException}'s call extended by {@code where}.
     */
    static java.io.IOException forRegion(long rc, Snapshot snapshot, Mode mode, String where) {
        EngineError e = EngineError.last(rc);
        Exception x = translate(e, snapshot, mode, MapOptions.defaults());
        if (x instanceof NativeIoException) {
            return where.isEmpty() ? (NativeIoException) x : new NativeIoException(e.call() + where, e.errno());
        }
        return x instanceof java.io.IOException ? (java.io.IOException) x : new NativeIoException(e.call() + where, e.errno());
    }

    /** A corruption of {@code snapshot} named by its file, or by its URI when it is remote. */
    static CorruptSnapshotException corrupt(Snapshot snapshot, long chunk, String reason) {
        return snapshot.path() != null ? new CorruptSnapshotException(snapshot.path(), chunk, reason)
                : new CorruptSnapshotException(snapshot.location(), chunk, reason);
    }

    /** What a chunk's errno means: "EBADMSG (CRC32C mismatch or undecodable payload)". */
    static String chunkReason(int errno) {
        String why;
        switch (errno) {
            case Errno.EBADMSG:
                why = "CRC32C mismatch or undecodable payload";
                break;
            case Errno.EIO:
                why = "short read or I/O error on the snapshot file";
                break;
            case Errno.ENOSPC:
                why = "no memory for its pages: hugepage pool or tmpfs exhausted";
                break;
            case Errno.ENOSYS:
                why = "its codec library cannot be loaded";
                break;
            case Errno.ETIMEDOUT:
                why = "its bytes could not be fetched from the server within the retries and the time bound";
                break;
            case Errno.EPROTO:
                why = "the server did not answer its byte range as asked (status or Content-Range)";
                break;
            case Errno.EACCES:
                why = "the server refused to send its bytes (credentials or an expired pre-signed URL)";
                break;
            case Errno.ENOENT:
                why = "the remote object is gone";
                break;
            default:
                why = NativeIoException.describe(errno);
        }
        return Errno.name(errno) + " (" + why + ")";
    }

    /** " (SNAPSTORE_UFFD_DISABLE is set: ...)" when the engine emulates an older kernel, else "". */
    private static String emulated() {
        long mask = SnapEngine.sn_uffd_disabled();
        return mask == 0 ? "" : " [SNAPSTORE_UFFD_DISABLE is emulating an older kernel: "
                + Userfaultfd.disabledNames(mask) + "]";
    }

    /** Throws {@code e} (a checked {@link java.io.IOException} or an unchecked exception). */
    static <T extends Exception> T rethrow(Exception e, Class<T> checked) throws T {
        if (checked.isInstance(e)) {
            throw checked.cast(e);
        }
        if (e instanceof RuntimeException) {
            throw (RuntimeException) e;
        }
        throw new IllegalStateException(e);
    }
}
