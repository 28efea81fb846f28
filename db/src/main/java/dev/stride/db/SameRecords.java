package dev.stride.db;

import dev.stride.core.ContentHash;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;
import org.jooq.DSLContext;

/**
 * Finds, among the input's records whose content hash differs from the stored one, those that are the same JSON all
 * the same: keys in another order, or stored by an older stride that hashed a record's keys as written. Their stored
 * payload and hash are copied over the input's in the sync's temporary table, so the sync sees them unchanged: their
 * answers (and scores, which name the stored hash) are kept, and the stored text stays as it was written.
 *
 * <p>Only records whose hashes differ are read and parsed: the rest of a sync compares hashes alone.
 */
final class SameRecords {
    private static final int BATCH = 500;

    private final DSLContext dsl;

    SameRecords(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Copies the stored form over each of {@code sync_input}'s records that equals its stored record of the run. */
    void keepStoredForm(long runId) {
        long[] same = findSame(runId);
        if (same.length == 0) {
            return;
        }
        dsl.connection(connection -> {
            try (PreparedStatement copy = connection.prepareStatement("UPDATE sync_input SET payload ="
                    + " (SELECT r.payload FROM records r WHERE r.run_id = ? AND r.record_id = sync_input.record_id),"
                    + " content_hash = (SELECT r.content_hash FROM records r WHERE r.run_id = ?"
                    + " AND r.record_id = sync_input.record_id) WHERE seq = ?")) {
                int pending = 0;
                for (long seq : same) {
                    copy.setLong(1, runId);
                    copy.setLong(2, runId);
                    copy.setLong(3, seq);
                    copy.addBatch();
                    if (++pending == BATCH) {
                        copy.executeBatch();
                        pending = 0;
                    }
                }
                if (pending > 0) {
                    copy.executeBatch();
                }
            }
        });
    }

    /** The input positions of the records that differ by hash from the stored ones and not as JSON objects. */
    private long[] findSame(long runId) {
        return dsl.connectionResult(connection -> {
            long[] found = new long[16];
            int count = 0;
            try (PreparedStatement differing = connection.prepareStatement("SELECT i.seq, i.content_hash, r.payload"
                    + " FROM sync_input i JOIN records r ON r.run_id = ? AND r.record_id = i.record_id"
                    + " WHERE r.content_hash <> i.content_hash")) {
                differing.setLong(1, runId);
                differing.setFetchSize(1000);
                try (ResultSet rows = differing.executeQuery()) {
                    while (rows.next()) {
                        String inputHash = rows.getString(2);
                        if (ContentHash.ofStored(rows.getString(3)).filter(inputHash::equals).isPresent()) {
                            if (count == found.length) {
                                found = Arrays.copyOf(found, count * 2);
                            }
                            found[count++] = rows.getLong(1);
                        }
                    }
                }
            }
            return Arrays.copyOf(found, count);
        });
    }
}
