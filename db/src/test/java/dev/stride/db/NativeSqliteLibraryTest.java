package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * sqlite-jdbc's library kept in a directory of ours: written once, loaded from there at every later start, and
 * sqlite-jdbc's own loading whenever the directory cannot hold it or the copy is no good. Each case is a JVM of its
 * own ({@link NativeLibraryProbe}), as the library loads once per JVM; which file it loaded is read from the
 * process's own memory map (Linux).
 */
@EnabledOnOs(OS.LINUX)
class NativeSqliteLibraryTest {
    @TempDir
    Path dir;

    @Test
    void theFirstStartWritesTheLibraryAndEveryLaterOneLoadsItFromThere() throws Exception {
        Path cache = dir.resolve("cache"); // not there yet, as after a fresh clone
        Probe first = probe(cache);

        Path library = onlyLibraryIn(cache);
        assertThat(first.chosen()).isEqualTo(library.toString());
        assertThat(first.mapped()).containsExactly(library.toString());
        Files.setLastModifiedTime(library, FileTime.fromMillis(0));

        Probe second = probe(cache);
        assertThat(second.mapped()).containsExactly(library.toString());
        assertThat(Files.getLastModifiedTime(library).toMillis()).as("not written again").isZero();
        assertThat(onlyLibraryIn(cache)).isEqualTo(library); // no temporary copies left behind
    }

    @Test
    void aDirectoryThatCannotHoldItGoesToTheNextThenToSqliteJdbcsOwnLoading() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Path unusable = file.resolve("cache"); // under a file: cannot be made (a read-only install)
        Path cache = dir.resolve("cache");

        Probe next = probe(unusable, cache);
        assertThat(next.mapped()).containsExactly(onlyLibraryIn(cache).toString());

        Probe none = probe(unusable);
        assertThat(none.chosen()).isEqualTo("null");
        assertThat(none.version()).isNotBlank();
        assertThat(none.mapped()).hasSize(1).allMatch(path -> path.startsWith(dir.resolve("tmp").toString()));
    }

    @Test
    void aFolderOfAnotherUserIsNeitherLoadedNorWritten() throws Exception {
        UserPrincipal nobody;
        try {
            nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        } catch (IOException noSuchUser) {
            nobody = null;
        }
        assumeTrue(nobody != null && "root".equals(System.getProperty("user.name")), "needs root and user nobody");
        Path shared = dir.resolve("shared");
        Path cache = dir.resolve("cache");
        probe(cache); // a good library, to plant
        Path planted = Files.createDirectories(shared.resolve(onlyLibraryIn(cache).getParent().getFileName()));
        Files.copy(onlyLibraryIn(cache), planted.resolve("libsqlitejdbc.so"));
        Files.setOwner(planted.resolve("libsqlitejdbc.so"), nobody);
        Files.setOwner(planted, nobody);

        Probe next = probe(shared, cache);
        assertThat(next.mapped()).containsExactly(onlyLibraryIn(cache).toString());
    }

    @Test
    void aCopyThatIsNoLibraryIsWrittenAgainWithoutAWordFromSqliteJdbc() throws Exception {
        Path cache = dir.resolve("cache");
        probe(cache);
        Path library = onlyLibraryIn(cache);
        byte[] whole = Files.readAllBytes(library);
        Files.writeString(library, "not a library");

        Probe repaired = probe(cache);
        assertThat(repaired.mapped()).containsExactly(library.toString());
        assertThat(Files.readAllBytes(library)).isEqualTo(whole);
        assertThat(repaired.output()).doesNotContain("SEVERE").doesNotContain("UnsatisfiedLinkError");
        Files.write(library, new byte[0]); // emptied
        assertThat(probe(cache).mapped()).containsExactly(library.toString());
        assertThat(Files.readAllBytes(library)).isEqualTo(whole);
    }

    @Test
    void aCopyDamagedPastItsFirstBytesIsLeftForSqliteJdbcsOwnLoading() throws Exception {
        Path cache = dir.resolve("cache");
        probe(cache);
        Path library = onlyLibraryIn(cache);
        byte[] damaged = Arrays.copyOf(Files.readAllBytes(library), 64); // the ELF header, and nothing after it
        Files.write(library, damaged);

        Probe broken = probe(cache);
        assertThat(broken.version()).isNotBlank();
        assertThat(broken.mapped()).hasSize(1).doesNotContain(library.toString());
        // sqlite-jdbc extracted its own, where it lists its temporary copies: our directory, not the machine's /tmp
        assertThat(broken.mapped().get(0)).startsWith(library.getParent().toString());
        assertThat(Files.readAllBytes(library)).as("left as it was").isEqualTo(damaged);
    }

    @Test
    void aLibraryIsRecognisedByItsFirstBytes() throws Exception {
        Path file = dir.resolve("lib");
        Files.write(file, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        assertThat(NativeSqliteLibrary.looksLoadable(file)).isTrue();
        Files.write(file, new byte[] {0x7f, 'E', 'L'});
        assertThat(NativeSqliteLibrary.looksLoadable(file)).as("too short").isFalse();
        Files.writeString(file, "MZ\u0090\u0000 a Windows library, not this OS's");
        assertThat(NativeSqliteLibrary.looksLoadable(file)).isFalse();
        assertThat(NativeSqliteLibrary.looksLoadable(dir.resolve("missing"))).isFalse();
    }

    private static Path onlyLibraryIn(Path cache) throws IOException {
        try (Stream<Path> files = Files.walk(cache)) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            assertThat(all).as("files in %s", cache).hasSize(1)
                    .allMatch(f -> f.toString().matches(".*/sqlite-jdbc-[0-9.]+-Linux-[a-z0-9_]+/libsqlitejdbc\\.so"));
            return all.get(0);
        }
    }

    private record Probe(String chosen, String version, List<String> mapped, String output) {
    }

    private Probe probe(Path... dirs) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                // sqlite-jdbc's own extraction, when it happens, goes here rather than the machine's /tmp
                "-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp")),
                NativeLibraryProbe.class.getName(), dir.resolve("probe.db").toString()));
        for (Path d : dirs) {
            command.add(d.toString());
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        List<String> lines = output.lines().toList();
        return new Probe(value(lines, "chosen "), value(lines, "version "),
                lines.stream().filter(l -> l.startsWith("mapped ")).map(l -> l.substring(7)).toList(), output);
    }

    private static String value(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst()
                .orElseThrow(() -> new AssertionError(prefix + " in " + lines));
    }
}
