package dev.stride.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The files the pages are made of, read from the class path: this module's own page, script and style, and uPlot from
 * its WebJar. Served under {@code /assets/} by the dashboard and inlined whole into the report.
 */
final class Assets {
    static final String PAGE = "page.html";
    static final String SCRIPT = "app.js";
    static final String STYLE = "style.css";
    static final String UPLOT_SCRIPT = "uPlot.iife.min.js";
    static final String UPLOT_STYLE = "uPlot.min.css";

    private static final String OWN = "/dev/stride/dashboard/web/";
    private static final Map<String, String> TYPES = Map.of(
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "html", "text/html; charset=utf-8",
            "png", "image/png");

    private Assets() {
    }

    /** The asset named {@code name} (no folders: nothing else on the class path can be asked for). */
    static Optional<Reply> reply(String name) {
        if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            return Optional.empty();
        }
        return bytes(name).map(b -> new Reply(200, type(name), b));
    }

    static String text(String name) {
        return new String(bytes(name).orElseThrow(() -> new IllegalStateException("missing asset " + name)),
                StandardCharsets.UTF_8);
    }

    private static Optional<byte[]> bytes(String name) {
        String path = name.startsWith("uPlot.") ? uplotFolder() + name : OWN + name;
        try (InputStream in = Assets.class.getResourceAsStream(path)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the WebJar keeps uPlot's files: its version is read from the jar, so the pom alone pins it. */
    private static String uplotFolder() {
        try (InputStream in = Assets.class.getResourceAsStream(
                "/META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the uPlot WebJar is not on the class path");
            }
            Properties p = new Properties();
            p.load(in);
            return "/META-INF/resources/webjars/uplot/" + p.getProperty("version") + "/dist/";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String type(String name) {
        return TYPES.getOrDefault(name.substring(name.lastIndexOf('.') + 1), "application/octet-stream");
    }
}
