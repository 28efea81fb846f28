package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The name the commands stride suggests start with: as the person typed stride, and shortest where the PATH has it. */
class InvokedAsTest {
    @TempDir
    Path dir;

    private Path executable(Path folder) throws Exception {
        Files.createDirectories(folder);
        Path launcher = folder.resolve("stride");
        Files.writeString(launcher, "#!/bin/sh\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        return launcher;
    }

    @Test
    void withoutTheLauncherItIsTheCheckoutsWay() {
        assertThat(InvokedAs.command(Map.of())).isEqualTo("./stride");
        assertThat(InvokedAs.command(Map.of(InvokedAs.ENV, "./stride"))).isEqualTo("./stride");
        // `sh stride demo` in the checkout: a bare name the PATH does not have.
        assertThat(InvokedAs.command(Map.of(InvokedAs.ENV, "stride", "PATH", dir.toString()))).isEqualTo("./stride");
    }

    @Test
    void aPathTypedIsSaidAsTypedQuotedForTheShell() throws Exception {
        Path launcher = executable(dir.resolve("my checkout"));
        assertThat(InvokedAs.command(Map.of(InvokedAs.ENV, launcher.toString(), "PATH", "/usr/bin:/bin")))
                .isEqualTo("'" + launcher + "'");
    }

    @Test
    void aLauncherThePathFindsByItsNameIsJustStride() throws Exception {
        Path launcher = executable(dir.resolve("checkout"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("stride"), launcher);
        // As a shell runs it through the PATH: the script by the link's path.
        assertThat(InvokedAs.command(Map.of(InvokedAs.ENV, bin.resolve("stride").toString(),
                "PATH", "/usr/bin:" + bin))).isEqualTo("stride");
        assertThat(InvokedAs.command(Map.of(InvokedAs.ENV, launcher.toString(), "PATH", bin.toString())))
                .as("the same file through the link").isEqualTo("stride");
    }

    @Test
    void anotherStrideFirstOnThePathKeepsThePathTyped() throws Exception {
        Path launcher = executable(dir.resolve("new"));
        Path old = executable(dir.resolve("old"));
        assertThat(InvokedAs.command(Map.of(InvokedAs.ENV, launcher.toString(), "PATH", old.getParent() + ":"
                + launcher.getParent()))).isEqualTo(launcher.toString());
    }
}
