package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** --version names what the jar was built from: the version, the commit and the day. */
class VersionTest {
    /** The project's root: Surefire runs the tests in cli-app. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void versionNamesTheProjectVersionTheCommitAndTheDayOfTheBuild() throws Exception {
        Cli.Result r = new Cli().run("--version");

        assertThat(r.exitCode()).isZero();
        Matcher line = Pattern.compile("stride (\\S+) \\(commit (\\S+), built (\\d{4}-\\d{2}-\\d{2})\\)\\R")
                .matcher(r.out());
        assertThat(line.matches()).as(r.out()).isTrue();
        assertThat(line.group(1)).isEqualTo(projectVersion());
        assertThat(line.group(2)).isEqualTo(commitOfThisClone());
        // Every command answers the same.
        assertThat(new Cli().run("export", "--version").out()).isEqualTo(r.out());
    }

    @Test
    void aBuildThatCouldNotAskGitSaysCommitUnknown() {
        Properties fromATarball = new Properties();
        fromATarball.setProperty("version", "0.1.0");
        fromATarball.setProperty("commit", "unknown");
        fromATarball.setProperty("built", "2026-11-30");
        assertThat(Version.line(fromATarball)).isEqualTo("stride 0.1.0 (commit unknown, built 2026-11-30)");
        assertThat(Version.line(new Properties())).isEqualTo("stride (version unknown) (commit unknown, built unknown)");
    }

    private static String projectVersion() throws Exception {
        String pom = Files.readString(ROOT.resolve("pom.xml"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<artifactId>stride-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    /** What git says of the checkout the tests run in ("unknown" outside a clone, as the build says). */
    private static String commitOfThisClone() throws Exception {
        if (!Files.exists(ROOT.resolve(".git"))) {
            return "unknown";
        }
        Process git = new ProcessBuilder(List.of("git", "rev-parse", "--short=7", "HEAD")).directory(ROOT.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String head = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(git.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(git.exitValue()).isZero();
        Process status = new ProcessBuilder(List.of("git", "status", "--porcelain", "--untracked-files=no"))
                .directory(ROOT.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        boolean dirty = !new String(status.getInputStream().readAllBytes(), StandardCharsets.UTF_8).isBlank();
        assertThat(status.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return dirty ? head + "-dirty" : head;
    }
}
