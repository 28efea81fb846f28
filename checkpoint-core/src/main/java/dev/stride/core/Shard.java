package dev.stride.core;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Shard {@code index} of {@code count}: the records whose id hashes to it. The hash is CRC-32 (the checksum of zip
 * and gzip) of the id's UTF-8 bytes, modulo {@code count}: the same on every machine and JVM, and easy to compute
 * elsewhere (Python: {@code zlib.crc32(id.encode()) % count}). Indexes count from 0.
 */
public record Shard(int index, int count) {

    public Shard {
        if (count < 1) {
            throw new InvalidSettingException(Phrase.core("shard.noShards", index + "/" + count), null);
        }
        if (index < 0 || index >= count) {
            throw new InvalidSettingException(Phrase.core("shard.outOfRange", index + "/" + count, count - 1, count),
                    null);
        }
    }

    /**
     * Reads {@code I/N} as given to {@code --shard}.
     *
     * @throws InvalidSettingException when it is not two whole numbers or I is outside 0..N-1
     */
    public static Shard parse(String text) {
        String[] parts = text.strip().split("/", -1);
        if (parts.length == 2) {
            try {
                return new Shard(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
            } catch (NumberFormatException e) {
                // said below, in the same words as any other malformed shard
            }
        }
        throw new InvalidSettingException(Phrase.core("shard.malformed", text), null);
    }

    /** Whether the record with this id belongs to this shard. */
    public boolean holds(String recordId) {
        return of(recordId, count) == index;
    }

    /** The shard of {@code count} that the record with this id belongs to. */
    public static int of(String recordId, int count) {
        CRC32 crc = new CRC32();
        crc.update(recordId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % count);
    }

    /** As stored and as given: {@code I/N}. */
    @Override
    public String toString() {
        return index + "/" + count;
    }
}
