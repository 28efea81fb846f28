package dev.stride.bench;

import dev.stride.core.InputRecord;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;

/** The benchmark's dataset: short questions, one per record, made on demand (nothing is held in memory). */
final class Records {
    static final String TEMPLATE = "Answer briefly: {{prompt}}";

    private Records() {
    }

    static String json(long seq) {
        return "{\"id\":\"r" + seq + "\",\"prompt\":\"Short question number " + seq + "?\"}";
    }

    static InputRecord record(long seq) {
        return new InputRecord(seq, "r" + seq, seq + 1, json(seq), "");
    }

    /** Records 0..n-1 with real content hashes, for a sync into SQLite. */
    static Iterator<InputRecord> hashed(long n) {
        return new Iterator<>() {
            private long seq;

            @Override
            public boolean hasNext() {
                return seq < n;
            }

            @Override
            public InputRecord next() {
                if (seq >= n) {
                    throw new NoSuchElementException();
                }
                String json = json(seq);
                InputRecord r = new InputRecord(seq, "r" + seq, seq + 1, json, Integer.toHexString(json.hashCode()));
                seq++;
                return r;
            }
        };
    }

    static void writeJsonl(Path file, long n) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (long i = 0; i < n; i++) {
                w.write(json(i));
                w.write('\n');
            }
        }
    }
}
