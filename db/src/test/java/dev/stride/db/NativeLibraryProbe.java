package dev.stride.db;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Arrays;

/**
 * A process of its own for {@link NativeSqliteLibraryTest} (sqlite-jdbc loads its library once per JVM): points
 * sqlite-jdbc at the directories named, opens a database, and prints which library file the process has mapped.
 */
public final class NativeLibraryProbe {
    private NativeLibraryProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path chosen = NativeSqliteLibrary.keepInFirstOf(Arrays.stream(args).skip(1).map(Path::of).toList());
        System.out.println("chosen " + chosen);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + args[0]);
             ResultSet rs = c.createStatement().executeQuery("SELECT sqlite_version()")) {
            rs.next();
            System.out.println("version " + rs.getString(1));
        }
        // The kernel's view: the file the dynamic linker mapped, whoever chose it.
        Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(line -> line.contains("sqlitejdbc"))
                .map(line -> line.substring(line.indexOf('/')))
                .distinct()
                .forEach(file -> System.out.println("mapped " + file));
    }
}
