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

    /**
     * Under LANG=C (a bare container) or a Chinese locale the machine lacks, the JVM took arguments as ASCII: a file
     * named in Chinese was refused as an invalid path and a Chinese model name stored as question marks. The launcher
     * starts it under C.UTF-8, keeping the reader's language for the messages.
     */
    @Test
    void aChineseFileNameAndModelReachStrideWholeUnderALocaleThatIsNotUtf8() throws Exception {
        Process list = new ProcessBuilder("locale", "-a").redirectErrorStream(true).start();
        String locales = new String(list.getInputStream().readAllBytes()).toLowerCase(java.util.Locale.ROOT);
        list.waitFor();
        org.junit.jupiter.api.Assumptions.assumeTrue(locales.lines().anyMatch(l -> l.matches("c\\.utf-?8")),
                "C.UTF-8 is not installed here: the launcher leaves the locale as it is");
        Path work = Files.createDirectories(dir.resolve("work"));
        Files.writeString(work.resolve("问题.jsonl"), "{\"id\": \"a\", \"prompt\": \"q\"}\n");
        for (String lang : List.of("C", "zh_XX.UTF-8")) {
            String command = "env -u LC_ALL -u LC_CTYPE -u LC_MESSAGES -u STRIDE_LANG LANG=" + lang + " '"
                    + StrideProcess.launcher().toAbsolutePath() + "' run 问题.jsonl --db runs.db --model 通义千问-医疗"
                    + " --base-url http://127.0.0.1:1/v1 --dry-run";
            StrideProcess p = StrideProcess.startCommand(work, "locale-" + lang, List.of("sh", "-c", command),
                    Map.of("PATH", StrideProcess.pathWithThisJava(), "STRIDE_CDS", "0"));
            try {
                assertThat(p.waitForExit(Duration.ofMinutes(2))).as(p.transcript()).isZero();
                assertThat(p.out()).as(lang).contains("'通义千问-医疗'")
                        // the reader's language still chooses the messages'
                        .contains(lang.startsWith("zh") ? "试运行" : "Dry run");
            } finally {
                p.close();
            }
        }
    }
}
