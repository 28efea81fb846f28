package dev.stride.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What Linux says of this process's TCP sockets (from {@code /proc/self}): whether each connection to a port is in
 * non-blocking mode. The JDK keeps that to itself, and a socket it turned non-blocking costs a {@code poll} and a
 * read that comes back empty for every answer not there yet.
 */
final class SocketFlags {
    private static final int O_NONBLOCK = 04000;

    private SocketFlags() {
    }

    static boolean readable() {
        return Files.isReadable(Path.of("/proc/self/net/tcp")) && Files.isDirectory(Path.of("/proc/self/fdinfo"));
    }

    /** For each of this process's connections to {@code port} on the other end: true when it is non-blocking. */
    static List<Boolean> nonBlockingTo(int port) throws IOException {
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            Path file = Path.of(table);
            if (!Files.isReadable(file)) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                // local_address rem_address st ... inode: "0100007F:9C40"; state 01 is ESTABLISHED.
                if (port(f[2]) == port && port(f[1]) != port && f[3].equals("01")) {
                    inodes.add(f[9]);
                }
            }
        }
        List<Boolean> flags = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException gone) {
                    continue; // closed since it was listed
                }
                if (target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1))) {
                    flags.add(nonBlocking(Path.of("/proc/self/fdinfo", fd.getFileName().toString())));
                }
            }
        }
        return flags;
    }

    private static boolean nonBlocking(Path fdinfo) throws IOException {
        for (String line : Files.readAllLines(fdinfo)) {
            if (line.startsWith("flags:")) {
                return (Integer.parseInt(line.substring(6).trim(), 8) & O_NONBLOCK) != 0;
            }
        }
        throw new IOException("no flags in " + fdinfo);
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.indexOf(':') + 1).toUpperCase(Locale.ROOT), 16);
    }
}
