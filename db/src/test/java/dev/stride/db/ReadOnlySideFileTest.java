package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A -wal or -shm that this user cannot write beside a writable file and folder (a root stride killed there left them
 * root's): SQLite refuses every write with a plain SQLITE_READONLY, and the line sent the user to make the file and
 * its folder writable, which they were. It names the side file now. As root, permissions stop no write: skipped.
 */
class ReadOnlySideFileTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"-wal", "-shm"})
    void aSideFileThatCannotBeWrittenIsNamed(String suffix) throws Exception {
        Path file = dir.resolve("runs.db");
        SqliteCheckpointStore.open(file).close();
        Path side = Path.of(file + suffix);
        Files.write(side, new byte[0]);
        Files.setPosixFilePermissions(side, PosixFilePermissions.fromString("r--r--r--"));
        assumeFalse(Files.isWritable(side), "run as root: permissions stop no write");

        StoreException e = catchThrowableOfType(() -> SqliteCheckpointStore.open(file), StoreException.class);

        assertThat(e).hasMessage(side + " cannot be written, so neither can " + file + " (SQLite keeps its log and"
                + " index there): most likely a stride of another user (root, say) made it and was killed; give it to"
                + " the user who runs stride (chown) or make it writable (chmod u+w " + side + "), and run again");
    }
}
