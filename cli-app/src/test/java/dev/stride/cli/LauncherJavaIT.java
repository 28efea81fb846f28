package dev.stride.cli;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which Java the {@code ./stride} launcher runs: JAVA_HOME's where it names one, else the PATH's. None at all, or one
 * older than 17 (known from its {@code release} file without starting it), is said in one line.
 */
@EnabledOnOs(OS.LINUX)
class LauncherJavaIT {
    private static final Duration GUARD = Duration.ofMinutes(2);
    private static final String NO_JAVA = "stride: needs Java 17 or newer: install a JDK (e.g. apt install"
            + " openjdk-17-jdk-headless) or set JAVA_HOME\n";

    @TempDir
    Path dir;

    private final List<StrideProcess> children = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        children.forEach(StrideProcess::close);
    }

    @Test
    void javaHomesJavaRunsStrideBeforeThePathsWithNativeAccessEnabled() throws Exception {
        Path home = fakeJavaHome("17.0.2");

        StrideProcess p = launch("home", Map.of("JAVA_HOME", home.toString(),
                "PATH", StrideProcess.pathWithThisJava()), "--version");

        assertThat(p.waitForExit(GUARD)).as(p.transcript()).isZero();
        assertThat(home.resolve("args")).as("JAVA_HOME's java ran, though the PATH has another").isRegularFile();
        List<String> args = Files.readAllLines(home.resolve("args"));
        assertThat(args).as("sqlite-jdbc's System.load, without Java 24's warnings")
                .contains("--enable-native-access=ALL-UNNAMED");
        assertThat(args.subList(args.size() - 3, args.size()))
                .containsExactly("-jar", StrideProcess.jar().toString(), "--version");
    }

    @Test
    void withoutAnyJavaItSaysWhatToInstall() throws Exception {
        Path pathWithoutJava = Files.createDirectories(dir.resolve("bin"));
        for (String folder : List.of("/usr/bin", "/bin")) {
            try (Stream<Path> tools = Files.list(Path.of(folder))) {
                for (Path tool : (Iterable<Path>) tools::iterator) {
                    Path link = pathWithoutJava.resolve(tool.getFileName());
                    if (!tool.getFileName().toString().equals("java") && !Files.exists(link, NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(link, tool);
                    }
                }
            }
        }
        Path noJavaHere = Files.createDirectories(dir.resolve("jre-gone"));

        for (Optional<Path> home : List.of(Optional.<Path>empty(), Optional.of(noJavaHere))) {
            String label = home.isPresent() ? "empty-home" : "no-home";
            List<String> command = new ArrayList<>(List.of("/usr/bin/env", "-u", "JAVA_HOME",
                    "PATH=" + pathWithoutJava));
            home.ifPresent(h -> command.add("JAVA_HOME=" + h));
            command.addAll(List.of(StrideProcess.launcher().toString(), "--version"));
            StrideProcess p = StrideProcess.startCommand(dir, label, command, Map.of("STRIDE_JAR",
                    StrideProcess.jar().toString(), "STRIDE_CDS", "0"));
            try {
                assertThat(p.waitForExit(GUARD)).as(p.transcript()).isEqualTo(127);
                assertThat(p.err()).as(label).isEqualTo(NO_JAVA);
            } finally {
                p.close();
            }
        }
    }

    @Test
    void aJavaOlderThan17IsNamedWithItsVersionAndNotStarted() throws Exception {
        for (String version : List.of("11.0.22", "1.8.0_402")) {
            Path home = fakeJavaHome(version);

            StrideProcess p = launch("old-" + version, Map.of("JAVA_HOME", home.toString()), "--version");

            assertThat(p.waitForExit(GUARD)).as(p.transcript()).isEqualTo(1);
            assertThat(p.err()).isEqualTo("stride: needs Java 17 or newer, and " + home.resolve("bin/java")
                    + " is Java " + version + ": install a newer JDK or set JAVA_HOME to one\n");
            assertThat(home.resolve("args")).as("not started").doesNotExist();
        }
    }

    /** On a Java of 24 or later, where there is one on this machine: sqlite-jdbc's library loads without a word. */
    @Test
    void aNewJavaLoadsSqlitesLibraryWithoutWarnings() throws Exception {
        Path newJava = newJavaHere();
        Assumptions.assumeTrue(newJava != null, "no Java of 24 or later in /usr/lib/jvm");

        StrideProcess p = launch("new-java", Map.of("JAVA_HOME", newJava.toString()), "status", "--db",
                dir.resolve("none.db").toString());

        p.waitForExit(GUARD);
        assertThat(p.err()).as(p.transcript()).doesNotContain("WARNING");
        assertThat(p.transcript()).as("it did load the library").contains("none.db");
    }

    private StrideProcess launch(String label, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(StrideProcess.launcher().toString()));
        command.addAll(List.of(args));
        Map<String, String> all = new HashMap<>(env);
        all.put("STRIDE_JAR", StrideProcess.jar().toString());
        all.put("STRIDE_CDS", "0");
        StrideProcess p = StrideProcess.startCommand(dir, label, command, all);
        children.add(p);
        return p;
    }

    /** A Java home whose bin/java writes the arguments it was given, one a line, to {@code args} beside bin/. */
    private Path fakeJavaHome(String version) throws IOException {
        Path home = Files.createDirectories(dir.resolve("jdk-" + version).resolve("bin")).getParent();
        Path java = home.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$(dirname \"$0\")/../args\"\n");
        assertThat(java.toFile().setExecutable(true)).isTrue();
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\n");
        return home;
    }

    /** A Java home of 24 or later in /usr/lib/jvm, or null. */
    static Path newJavaHere() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return null;
        }
        try (Stream<Path> homes = Files.list(jvms)) {
            for (Path home : (Iterable<Path>) homes::iterator) {
                Path release = home.resolve("release");
                if (Files.isExecutable(home.resolve("bin/java")) && Files.isRegularFile(release)) {
                    for (String line : Files.readAllLines(release)) {
                        if (line.matches("JAVA_VERSION=\"(2[4-9]|[3-9][0-9])[.\"].*")) {
                            return home;
                        }
                    }
                }
            }
        }
        return null;
    }
}
