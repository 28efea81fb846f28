package dev.stride.cli;

import dev.stride.db.NativeSqliteLibrary;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where stride keeps sqlite-jdbc's native library ({@link NativeSqliteLibrary}): beside the jar, as the launcher keeps
 * its class-data archive there; when that directory is read-only (an installed jar), the user's cache directory.
 */
final class SqliteLibraryPlaces {
    private SqliteLibraryPlaces() {
    }

    /** Points sqlite-jdbc at its library in one of the places; does nothing when none of them can hold it. */
    static void use(Map<String, String> env) {
        NativeSqliteLibrary.keepInFirstOf(places(env));
    }

    static List<Path> places(Map<String, String> env) {
        List<Path> places = new ArrayList<>();
        Path jar = jar();
        if (jar != null) {
            places.add(jar.getParent());
        }
        String cache = env.get("XDG_CACHE_HOME");
        String home = System.getProperty("user.home");
        if (cache != null && !cache.isBlank() && Path.of(cache).isAbsolute()) {
            places.add(Path.of(cache, "stride"));
        } else if (home != null && !home.isBlank() && !home.equals("?")) {
            places.add(Path.of(home, ".cache", "stride"));
        }
        return places;
    }

    /** The jar this class was loaded from; null when it runs from a directory of classes (tests, an IDE). */
    private static Path jar() {
        try {
            CodeSource source = SqliteLibraryPlaces.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            Path path = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(path) && path.getParent() != null ? path : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
