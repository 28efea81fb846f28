package dev.stride.cli;

import dev.stride.app.ComparedScoring.Scoring;
import dev.stride.db.PostgresLocation;
import dev.stride.db.PostgresSqlQuery;
import dev.stride.db.SqlQuery;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a run was scored, as {@code stride score} and {@code stride run --label-field} stored it (the
 * {@code scores} table): what {@code stride compare} takes when it is not told the label field or the metric. Read
 * through the same read-only statement runner as {@code stride sql}; a database from before scores has none.
 */
final class StoredScoring {
    private StoredScoring() {
    }

    /** The ways the run was scored, by label field and metric; empty when it was not (or they cannot be) read. */
    static List<Scoring> of(Path db, PostgresLocation postgres, String run) {
        String sql = "SELECT DISTINCT s.metric, s.label_field, s.extract FROM scores s"
                + " JOIN runs ru ON ru.run_id = s.run_id WHERE ru.name = " + quote(run)
                + " ORDER BY s.label_field, s.metric";
        List<Scoring> keys = new ArrayList<>();
        SqlQuery.Sink sink = new SqlQuery.Sink() {
            @Override
            public void columns(List<String> names) {
            }

            @Override
            public void row(List<Object> values) {
                String extract = values.get(2) == null ? "" : values.get(2).toString();
                keys.add(new Scoring(values.get(0).toString(), values.get(1).toString(), extract.isEmpty() ? null
                        : extract));
            }
        };
        try {
            if (postgres != null) {
                PostgresSqlQuery.run(postgres, sql, sink);
            } else {
                SqlQuery.run(db, sql, sink);
            }
        } catch (SqlQuery.BadStatementException e) {
            return List.of(); // a database from before stride score: no scores table
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            return List.of();
        }
        return keys;
    }

    /** A SQL string literal. */
    private static String quote(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
