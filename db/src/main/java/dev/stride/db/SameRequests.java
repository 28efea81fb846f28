package dev.stride.db;

import dev.stride.core.InvalidInputException;
import dev.stride.core.InvalidJsonException;
import dev.stride.core.Json;
import dev.stride.core.Prompt;
import dev.stride.core.PromptTemplate;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;
import java.util.Objects;
import org.jooq.DSLContext;

/**
 * Finds, among the input's records whose content differs from the stored one, those whose request does not: the
 * template fills the same prompt from both (or both carry the same messages, the same batch body), so the change is
 * in fields the request does not use, a corrected label most often. The answer stored for such a record is the
 * answer to the request a rerun would send, so the sync keeps it and only replaces the record's content. They are
 * marked in the sync's temporary table ({@code same_request = 1}).
 *
 * <p>The request is {@link PromptTemplate#prompt}, what the runner sends for a record; everything else in it (model,
 * system message, parameters, endpoint) is the run's own, which a rerun cannot change. Only records whose hashes
 * differ are read and rendered, after {@link SameRecords} took out those that are the same JSON.
 */
final class SameRequests {
    private static final int BATCH = 500;

    private final DSLContext dsl;
    private final PromptTemplate template;

    SameRequests(DSLContext dsl, PromptTemplate template) {
        this.dsl = dsl;
        this.template = template;
    }

    /** Marks each of {@code sync_input}'s records whose request equals that of its stored record of the run. */
    void mark(long runId) {
        long[] same = findSame(runId);
        if (same.length == 0) {
            return;
        }
        dsl.connection(connection -> {
            try (PreparedStatement mark = connection.prepareStatement(
                    "UPDATE sync_input SET same_request = 1 WHERE seq = ?")) {
                int pending = 0;
                for (long seq : same) {
                    mark.setLong(1, seq);
                    mark.addBatch();
                    if (++pending == BATCH) {
                        mark.executeBatch();
                        pending = 0;
                    }
                }
                if (pending > 0) {
                    mark.executeBatch();
                }
            }
        });
    }

    /** The input positions of the records that differ by hash from the stored ones and not by request. */
    private long[] findSame(long runId) {
        return dsl.connectionResult(connection -> {
            long[] found = new long[16];
            int count = 0;
            try (PreparedStatement differing = connection.prepareStatement("SELECT i.seq, i.record_id, i.payload,"
                    + " r.payload FROM sync_input i JOIN records r ON r.run_id = ? AND r.record_id = i.record_id"
                    + " WHERE r.content_hash <> i.content_hash")) {
                differing.setLong(1, runId);
                differing.setFetchSize(1000);
                try (ResultSet rows = differing.executeQuery()) {
                    while (rows.next()) {
                        String id = rows.getString(2);
                        Prompt now = request(id, rows.getString(3));
                        if (now != null && now.equals(request(id, rows.getString(4)))) {
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

    /**
     * What the runner sends for the record, or null when it sends none: a stored record the template cannot fill
     * (its request is then no request, and the record is redone as any edited one).
     */
    private Prompt request(String id, String json) {
        try {
            return Objects.requireNonNull(template.prompt(id, Json.read(json, Json.storedRecord(id))));
        } catch (InvalidInputException | InvalidJsonException e) {
            return null;
        }
    }
}
