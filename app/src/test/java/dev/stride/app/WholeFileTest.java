package dev.stride.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.TemporaryFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WholeFileTest {
    @TempDir
    Path dir;

    /**
     * A kill -9 during an export leaves its hidden .part file, as large as the output and out of the user's sight: the
     * next write of the same file removes it (it used to stay for good).
     */
    @Test
    void theHiddenFileAKilledWriteLeftIsRemovedByTheNextWriteOfTheSameFile() throws Exception {
        long dead = deadPid();
        leftLongAgo(dir.resolve(".out.jsonl." + dead + "-1.part"));

        WholeFile.write(dir.resolve("out.jsonl"), file -> Files.writeString(file, "{}\n", StandardCharsets.UTF_8));

        assertThat(names()).containsExactly("out.jsonl");
        assertThat(Files.readString(dir.resolve("out.jsonl"))).isEqualTo("{}\n");
    }

    /**
     * What is not a dead process's leftover stays: a running process's file (two writes at once), one changed within
     * the minute (a process of another machine writing into a shared folder), another file's, and look-alike names.
     */
    @Test
    void filesOfRunningOrUnseenWritesAndOtherNamesStay() throws Exception {
        Process running = new ProcessBuilder("sleep", "600").start();
        try {
            long dead = deadPid();
            List<String> aged = List.of(".out.jsonl." + running.pid() + "-1.part", ".other.jsonl." + dead + "-1.part",
                    ".out.jsonl." + dead + "-x.part", ".out.jsonl." + dead + "-1.partial", ".out.jsonl.-1.part");
            for (String name : aged) {
                leftLongAgo(dir.resolve(name));
            }
            String fresh = ".out.jsonl." + deadPid() + "-2.part";
            Files.writeString(dir.resolve(fresh), "being written", StandardCharsets.UTF_8);

            WholeFile.write(dir.resolve("out.jsonl"), file -> Files.writeString(file, "{}\n", StandardCharsets.UTF_8));

            assertThat(names()).containsExactlyInAnyOrderElementsOf(
                    Stream.concat(aged.stream(), Stream.of(fresh, "out.jsonl")).toList());
        } finally {
            running.destroyForcibly().waitFor();
        }
    }

    /**
     * What a write keeps of a process gone from this machine (changed within the minute: a kill -9 a moment ago) is
     * what it names afterwards; a running process's file, and one it removed, are not named.
     */
    @Test
    void leftBehindNamesTheFilesOfGoneProcessesThatTheWriteKept() throws Exception {
        Process running = new ProcessBuilder("sleep", "600").start();
        try {
            Path fresh = dir.resolve(".out.jsonl." + deadPid() + "-1.part");
            Files.writeString(fresh, "half", StandardCharsets.UTF_8);
            Path live = dir.resolve(".out.jsonl." + running.pid() + "-1.part");
            Files.writeString(live, "being written", StandardCharsets.UTF_8);
            Path aged = dir.resolve(".out.jsonl." + deadPid() + "-2.part");
            leftLongAgo(aged);

            WholeFile.write(dir.resolve("out.jsonl"), file -> Files.writeString(file, "{}\n", StandardCharsets.UTF_8));

            assertThat(WholeFile.leftBehind(dir.resolve("out.jsonl"))).containsExactly(fresh);
            assertThat(live).exists();
            assertThat(aged).doesNotExist();
        } finally {
            running.destroyForcibly().waitFor();
        }
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).toList();
        }
    }

    /** A file as a kill -9 leaves it: not changed since, for longer than the quiet minute. */
    private static void leftLongAgo(Path file) throws IOException {
        Files.writeString(file, "half", StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file,
                FileTime.from(Instant.now().minus(TemporaryFiles.LEFTOVER_QUIET).minusSeconds(5)));
    }

    /** The pid of a process that has ended: one this test started and waited for. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
