package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live bar on a terminal speaks Chinese too when the locale named is not installed: a container's
 * LANG=zh_CN.UTF-8 without that locale generated is common, and the JVM then takes ASCII as the platform's charset.
 * Every line stride writes itself is UTF-8 whatever the locale; the bar's library writes through System.err, which
 * turned each Chinese character of the bar into '?'.
 */
class ChineseProgressBarIT {
    @TempDir
    Path dir;

    @Test
    void theBarOfARunInChineseOnATerminalIsChineseWhenTheLocaleIsNotInstalled() throws Exception {
        // util-linux script(1) gives the child a terminal; it is in every Debian (bsdutils is essential).
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "needs script(1) from util-linux");
        String java = StrideProcess.javaCommand(List.of("demo", "--db", dir.resolve("demo.db").toString())).stream()
                .map(a -> "'" + a.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
        List<String> command = List.of("/usr/bin/script", "-qfec", java, "/dev/null");

        // A zh locale no machine has: Chinese to stride, and a locale the C library cannot set, so ASCII to the JVM.
        try (StrideProcess p = StrideProcess.startCommand(dir, "demo", command, Map.of("LANG", "zh_XX.UTF-8",
                "TERM", "xterm-256color"))) {
            int exit = p.waitForExit(Duration.ofMinutes(3));

            assertThat(exit).as(p.transcript()).isZero();
            List<String> bars = List.of(p.out().split("[\r\n]")).stream().filter(s -> s.contains("/300 (")).toList();
            assertThat(bars).as(p.transcript()).isNotEmpty();
            for (String bar : bars) {
                assertThat(bar).as("each character of the bar's words as written").doesNotContain("?/").contains("条/");
            }
            // Redrawn in place, never a line up: a line said while the bar runs (Ctrl+C's "stopping") stays.
            assertThat(p.out()).as("a cursor moved up").doesNotContain("\u001b[1A");
        }
    }
}
