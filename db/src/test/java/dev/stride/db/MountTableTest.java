package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Network file systems, told from a fake /proc/mounts: NFS, SMB and the like cannot be mounted in CI. */
class MountTableTest {
    @TempDir
    Path dir;

    private MountTable table(String networkType) {
        return MountTable.parse(List.of(
                "/dev/vda / ext4 rw,relatime 0 0",
                "tmpfs /dev/shm tmpfs rw 0 0",
                "server:/export " + dir + " " + networkType + " rw,vers=4.2 0 0",
                "/dev/vdb " + dir.resolve("local") + " ext4 rw 0 0"));
    }

    @Test
    void theLongestMountPointThatHoldsThePathWins() {
        MountTable mounts = table("nfs4");
        assertThat(mounts.mountOf(dir.resolve("runs.db")).orElseThrow().type()).isEqualTo("nfs4");
        assertThat(mounts.mountOf(dir.resolve("local/runs.db")).orElseThrow().type()).isEqualTo("ext4");
        assertThat(mounts.mountOf(Path.of("/somewhere/else.db")).orElseThrow().type()).isEqualTo("ext4");
        assertThat(mounts.networkMountOf(dir.resolve("local/x.db"))).isEmpty();
    }

    @Test
    void everyCommonNetworkTypeIsRecognised() {
        for (String type : List.of("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "glusterfs", "fuse.sshfs",
                "lustre", "afs")) {
            assertThat(table(type).networkMountOf(dir.resolve("runs.db"))).as(type).isPresent();
        }
        for (String type : List.of("ext4", "xfs", "btrfs", "zfs", "tmpfs", "overlay", "apfs")) {
            assertThat(table(type).networkMountOf(dir.resolve("runs.db"))).as(type).isEmpty();
        }
    }

    @Test
    void aMountPointWithASpaceIsUnescaped() {
        MountTable mounts = MountTable.parse(List.of("/dev/vda / ext4 rw 0 0",
                "//nas/share /mnt/my\\040share cifs rw 0 0"));
        assertThat(mounts.networkMountOf(Path.of("/mnt/my share/runs.db")).orElseThrow().mountPoint())
                .isEqualTo("/mnt/my share");
    }

    @Test
    void aDatabaseOnANetworkFileSystemIsRefusedWithWhatToDo() throws Exception {
        Path file = dir.resolve("runs.db");
        assertThatThrownBy(() -> SqliteFiles.checkUsable(file, false, true, table("nfs4")))
                .isInstanceOf(StoreException.class)
                .hasMessage(file + " is on a network file system (nfs4 at " + dir + "), where SQLite's write-ahead"
                        + " log, which stride relies on, can corrupt the database: keep the database on a local disk"
                        + " (copy it there, and back with stride snapshot)");
        assertThat(file).doesNotExist();
        // Readers (status, export, snapshot) are refused too: they map the same -shm index.
        Files.createFile(file);
        assertThatThrownBy(() -> SqliteFiles.checkUsable(file, true, false, table("cifs")))
                .hasMessageContaining("network file system (cifs");
        SqliteFiles.checkUsable(file, false, true, table("ext4"));
    }

    @Test
    void thisMachinesTableFindsTheMountDfReports() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/mounts")), "a machine without /proc/mounts has no table");
        Process df = new ProcessBuilder("df", "--output=target,fstype", dir.toString()).start();
        String[] last = new String(df.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip()
                .lines().reduce((a, b) -> b).orElseThrow().strip().split("\\s+");
        assertThat(df.waitFor()).isZero();

        Path real = dir.toRealPath();
        assertThat(MountTable.system().mountOf(dir)).hasValueSatisfying(m -> {
            assertThat(m.mountPoint()).isEqualTo(last[0]);
            assertThat(m.type()).isEqualTo(last[1]);
            assertThat(real).startsWith(Path.of(m.mountPoint()));
        });
    }
}
