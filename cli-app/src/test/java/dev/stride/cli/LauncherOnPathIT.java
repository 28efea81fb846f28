package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./stride} launcher put on the PATH by a symbolic link, as the commands stride prints ("stride run --db
 * ...") expect it to be there: the link's folder holds no jar, and the launcher finds the checkout it belongs to
 * through the links, a relative one included.
 */
@EnabledOnOs(OS.LINUX)
class LauncherOnPathIT {
    @TempDir
    Path dir;

    @Test
    void aLauncherLinkedOntoThePathRunsTheCheckoutsJar() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path links = Files.createDirectories(dir.resolve("links"));
        // bin/stride -> ../links/stride (relative) -> the checkout's launcher (absolute)
        Files.createSymbolicLink(links.resolve("stride"), StrideProcess.launcher().toAbsolutePath());
        Files.createSymbolicLink(bin.resolve("stride"), Path.of("..", "links", "stride"));
        Path work = Files.createDirectories(dir.resolve("work"));

        // Through a shell, which finds "stride" on the PATH as a user's does (a ProcessBuilder searches its own PATH).
        StrideProcess p = StrideProcess.startCommand(work, "on-path", List.of("sh", "-c", "stride --version"), Map.of(
                "PATH", bin + File.pathSeparator + StrideProcess.pathWithThisJava(), "STRIDE_CDS", "0"));
        try {
            assertThat(p.waitForExit(Duration.ofMinutes(2))).as(p.transcript()).isZero();
            assertThat(p.transcript()).contains("stride ").doesNotContain("building the jar");
        } finally {
            p.close();
        }
    }
}
