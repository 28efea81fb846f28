package dev.stride.db;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.ResourceProvider;
import org.flywaydb.core.api.resource.LoadableResource;

/**
 * The migrations this build ships, named here so that Flyway need not find them: its classpath scan walks every entry
 * of stride's 27 MB jar, at each Flyway command. {@code ShippedMigrationsTest} keeps the list equal to the files in
 * db/migration; should a migration be added without its name here, {@link #ifComplete()} sees that the newest is
 * missing and Flyway scans, as it would without this class.
 */
final class ShippedMigrations implements ResourceProvider {
    static final List<String> NAMES = List.of(
            "V1__runs_records_predictions.sql",
            "V2__views.sql",
            "V3__progress_state_of_dead_runs.sql",
            "V4__what_servers_return.sql",
            "V5__parsed_outputs.sql",
            "V6__remembered_input.sql",
            "V7__base_urls_as_a_list.sql",
            "V8__workers_and_claims.sql",
            "V9__shard_of_a_run.sql",
            "V10__scores.sql",
            "V11__requests_in_flight_of_a_worker.sql",
            "V12__outcomes_by_time.sql",
            "V13__claims_in_one_tree.sql",
            "V14__in_flight_of_each_server.sql",
            "V15__requests_out_of_a_worker.sql",
            "V16__scoring_of_a_run.sql",
            "V17__output_rules_of_a_run.sql",
            "V18__tokens_of_a_run.sql",
            "V19__rerun_of_a_worker.sql",
            "V20__in_flight_time_of_a_worker.sql",
            "V21__score_counts.sql",
            "V22__server_wait_of_a_worker.sql",
            "V23__waiting_requests_of_a_worker.sql",
            "V24__why_a_run_stopped.sql",
            "V25__progress_state_of_waiting_runs.sql",
            "V26__score_count_triggers_of_every_v21.sql");

    /** The folder of {@link Schema#LOCATION}, as a class-loader resource path. */
    private static final String FOLDER = "db/migration/";

    private final List<LoadableResource> resources = NAMES.stream().<LoadableResource>map(Script::new).toList();

    private ShippedMigrations() {
    }

    /** The provider, or null (Flyway's own scan) when the list does not name the newest migration shipped. */
    static ShippedMigrations ifComplete() {
        boolean newestListed = NAMES.stream().anyMatch(name -> name.startsWith("V" + Schema.LATEST + "__"));
        return newestListed ? new ShippedMigrations() : null;
    }

    @Override
    public LoadableResource getResource(String name) {
        return resources.stream().filter(r -> r.getRelativePath().equals(name)).findFirst().orElse(null);
    }

    @Override
    public Collection<LoadableResource> getResources(String prefix, String[] suffixes) {
        return resources.stream()
                .filter(r -> r.getFilename().startsWith(prefix))
                .filter(r -> Arrays.stream(suffixes).anyMatch(r.getFilename()::endsWith))
                .toList();
    }

    /** One script in the jar (or in target/classes), read when Flyway reads it, as its classpath scan would give. */
    private static final class Script extends LoadableResource {
        private final String name;

        Script(String name) {
            this.name = name;
        }

        @Override
        public Reader read() {
            InputStream in = ShippedMigrations.class.getClassLoader().getResourceAsStream(FOLDER + name);
            if (in == null) {
                throw new FlywayException("migration " + FOLDER + name + " is missing from stride's jar");
            }
            return new InputStreamReader(in, StandardCharsets.UTF_8);
        }

        @Override
        public String getAbsolutePath() {
            return FOLDER + name;
        }

        @Override
        public String getAbsolutePathOnDisk() {
            return FOLDER + name;
        }

        @Override
        public String getFilename() {
            return name;
        }

        @Override
        public String getRelativePath() {
            return name;
        }
    }
}
