package dev.stride.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The SHA-256 of an input file's bytes (as stored: a .gz file's compressed bytes) together with the settings that
 * turn those bytes into records (format, id field, template). Two inputs with the same digest give the same records,
 * so a resume whose input has the digest its run was last synced with need not read, parse and compare every record
 * again: hashing a file runs at disk speed, a sync of a million records takes many seconds.
 */
public final class InputDigest {
    private static final int BUFFER = 1 << 16;

    private InputDigest() {
    }

    /**
     * The digest of {@code file} as it is now.
     *
     * @param format   the format the file is read in (not null: {@link InputFormat#of} when the user named none)
     * @param template the template's text, or null
     * @throws InvalidInputException when the file cannot be read
     */
    public static String of(Path file, InputFormat format, String idField, String template) {
        return of(file, format, idField, template, () -> false).orElseThrow();
    }

    /**
     * The digest of {@code file} as it is now, or empty when {@code giveUp} turns true while it is read (a user's
     * Ctrl+C need not wait for a large file to be hashed).
     */
    public static Optional<String> of(Path file, InputFormat format, String idField, String template,
                                      BooleanSupplier giveUp) {
        MessageDigest digest = start(format, idField, template);
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = InputReaders.openFile(file)) {
            for (int n; (n = in.read(buffer)) != -1; ) {
                if (giveUp.getAsBoolean()) {
                    return Optional.empty();
                }
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw InputReaders.cannotRead(file, e);
        }
        return Optional.of(hex(digest));
    }

    /**
     * The digests of {@code file} as it is now under each of {@code templates} (the other settings alike), from one
     * read of it: by template.
     *
     * @throws InvalidInputException when the file cannot be read
     */
    public static Map<String, String> ofEach(Path file, InputFormat format, String idField,
                                             Collection<String> templates) {
        Map<String, MessageDigest> digests = new LinkedHashMap<>();
        for (String template : templates) {
            digests.putIfAbsent(template, start(format, idField, template));
        }
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = InputReaders.openFile(file)) {
            for (int n; (n = in.read(buffer)) != -1; ) {
                for (MessageDigest d : digests.values()) {
                    d.update(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            throw InputReaders.cannotRead(file, e);
        }
        Map<String, String> hex = new LinkedHashMap<>();
        digests.forEach((template, d) -> hex.put(template, hex(d)));
        return hex;
    }

    /** A digest that has taken in the settings and waits for the file's bytes. */
    static MessageDigest start(InputFormat format, String idField, String template) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            // Each setting is length-prefixed, so no two different settings read as the same bytes. The version says
            // how bytes become records: a stride that makes other records of the same bytes (another canonical form,
            // another content hash) must change it, or a resume would keep the old records for the new ones.
            for (String setting : new String[] {"stride-input-1", format.name(), idField, template}) {
                byte[] bytes = setting == null ? new byte[0] : setting.getBytes(StandardCharsets.UTF_8);
                digest.update((setting == null ? "-" : Integer.toString(bytes.length)).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) ':');
                digest.update(bytes);
            }
            return digest;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }
}
