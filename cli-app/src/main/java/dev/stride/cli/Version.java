package dev.stride.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code stride 0.1.0-SNAPSHOT (commit 29d6995, built 2026-11-30)}: the version, the commit and the day of the build,
 * from the {@code build.properties} the build writes beside the classes (cli-app's pom). A tree with uncommitted
 * changes shows its commit with {@code -dirty}; a build outside a git clone shows "commit unknown".
 */
final class Version implements IVersionProvider {
    static final String RESOURCE = "build.properties";

    @Override
    public String[] getVersion() {
        return new String[] {line(load())};
    }

    /** The version line for what a build wrote; a missing entry is "unknown". */
    static String line(Properties build) {
        return "stride " + build.getProperty("version", "(version unknown)")
                + " (commit " + build.getProperty("commit", "unknown")
                + ", built " + build.getProperty("built", "unknown") + ")";
    }

    /** What the build wrote; nothing when the classes were not built by Maven (an IDE's own compile). */
    private static Properties load() {
        Properties build = new Properties();
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                    build.load(reader);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return build;
    }
}
