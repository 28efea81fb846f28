package dev.stride.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The mounted file systems as Linux lists them in {@code /proc/mounts}, to tell whether a database would sit on a
 * network file system. SQLite's WAL mode keeps its index in shared memory ({@code -shm}, mapped by every process
 * that opens the file), which only works when all of them run on one machine: on NFS, SMB and the like two hosts
 * would each see their own index and corrupt the database (sqlite.org/wal.html, "WAL does not work over a network
 * filesystem"). stride refuses such a folder rather than switch journal modes, since its readers-during-a-run
 * promise rests on WAL.
 */
final class MountTable {
    /** File system types whose files may be shared between machines (as /proc/mounts names them). */
    static final Set<String> NETWORK_TYPES = Set.of(
            "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "9p", "afs", "coda", "ceph",
            "glusterfs", "lustre", "gpfs", "beegfs", "ocfs2", "gfs2", "davfs", "fuse.sshfs", "sshfs",
            "fuse.glusterfs", "fuse.cephfs", "fuse.s3fs", "fuse.rclone", "fuse.davfs2", "fuse.gcsfuse",
            "fuse.juicefs", "fuse.seaweedfs", "fuse.smbnetfs");

    private static final Path PROC_MOUNTS = Path.of("/proc/mounts");

    /** One line of the table: where a file system is mounted and its type. */
    record Mount(String mountPoint, String type) {
        boolean network() {
            return NETWORK_TYPES.contains(type.toLowerCase(Locale.ROOT));
        }
    }

    private final List<Mount> mounts;

    MountTable(List<Mount> mounts) {
        this.mounts = List.copyOf(mounts);
    }

    /** This machine's table; empty where there is no /proc/mounts (not Linux), which finds nothing. */
    static MountTable system() {
        if (!Files.isReadable(PROC_MOUNTS)) {
            return new MountTable(List.of());
        }
        try {
            return parse(Files.readAllLines(PROC_MOUNTS));
        } catch (IOException e) {
            return new MountTable(List.of());
        }
    }

    /** Parses lines in the fstab format of /proc/mounts: device, mount point (octal escapes), type, options. */
    static MountTable parse(List<String> lines) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 3) {
                mounts.add(new Mount(unescape(fields[1]), fields[2]));
            }
        }
        return new MountTable(mounts);
    }

    /**
     * The file system that holds {@code path} (which need not exist yet: its nearest existing ancestor is looked up
     * with links resolved): the mount with the longest mount point that contains it; the last one of equal mount
     * points, since a later mount hides an earlier one.
     */
    Optional<Mount> mountOf(Path path) {
        Path real = realNearest(path.toAbsolutePath().normalize());
        Mount best = null;
        int bestLength = -1;
        for (Mount m : mounts) {
            Path point = Path.of(m.mountPoint());
            if (real.startsWith(point) && point.getNameCount() >= bestLength) {
                best = m;
                bestLength = point.getNameCount();
            }
        }
        return Optional.ofNullable(best);
    }

    /** The network file system {@code path} is on, if it is on one. */
    Optional<Mount> networkMountOf(Path path) {
        return mountOf(path).filter(Mount::network);
    }

    private static Path realNearest(Path path) {
        for (Path p = path; p != null; p = p.getParent()) {
            try {
                return p.toRealPath().resolve(p.relativize(path));
            } catch (IOException e) {
                // Not there (yet): try its folder.
            }
        }
        return path;
    }

    /** /proc/mounts writes a space as \040, a tab as \011, a newline as \012 and a backslash as \134. */
    private static String unescape(String field) {
        StringBuilder s = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                s.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                s.append(c);
            }
        }
        return s.toString();
    }
}
