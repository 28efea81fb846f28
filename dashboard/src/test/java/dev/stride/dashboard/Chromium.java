package dev.stride.dashboard;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium (Debian's {@code chromium}) loading a page as a person's browser would, with a fresh profile in
 * a folder of the test's. On a developer's machine without it the test is skipped, saying so; in CI ({@code CI=true})
 * it fails, because .ci/run installs it. The budget is Chromium's virtual time: the page's timers (its 2 s polls) run
 * that far, however slow the machine; the process itself gets minutes.
 */
final class Chromium {
    private final Path profiles;
    private int runs;

    private Chromium(Path profiles) {
        this.profiles = profiles;
    }

    static Chromium require(Path dir) {
        if (!runs("chromium", "--version")) {
            String message = "chromium is not installed here, so the pages cannot be checked in a browser";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message + " (CI=true: .ci/run must install it)");
            }
            assumeTrue(false, message + ": skipped (CI installs it, see .ci/run)");
        }
        return new Chromium(dir);
    }

    /** The page's DOM after {@code budgetMs} of virtual time. */
    String dom(URI url, int budgetMs) throws IOException, InterruptedException {
        return run(url, budgetMs, List.of("--dump-dom"));
    }

    /** A PNG of the page after {@code budgetMs} of virtual time. */
    void screenshot(URI url, int budgetMs, Path png) throws IOException, InterruptedException {
        run(url, budgetMs, List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=1400,1000",
                "--hide-scrollbars"));
        assertPng(png);
    }

    private String run(URI url, int budgetMs, List<String> what) throws IOException, InterruptedException {
        Path profile = Files.createDirectories(profiles.resolve("chromium-profile-" + (++runs)));
        List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--proxy-server=127.0.0.1:9", "--user-data-dir=" + profile,
                "--virtual-time-budget=" + budgetMs));
        command.addAll(what);
        command.add(url.toString());
        Path log = profiles.resolve("chromium-" + runs + ".log");
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("chromium did not finish within 5 minutes: " + command);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static void assertPng(Path png) throws IOException {
        if (!Files.exists(png) || Files.size(png) < 1000) {
            fail("chromium wrote no screenshot at " + png);
        }
    }

    private static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
