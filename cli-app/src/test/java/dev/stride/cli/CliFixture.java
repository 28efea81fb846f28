package dev.stride.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What most CLI tests share: a MockWebServer answering as {@link FakeModelServer} (started before each test, closed
 * after it), the in-process {@link Cli}, and the {@code stride run} arguments that point at them. Register it as
 * {@code @RegisterExtension final CliFixture stride = new CliFixture();}.
 */
final class CliFixture implements BeforeEachCallback, AfterEachCallback {
    final MockWebServer server = new MockWebServer();
    final FakeModelServer model = new FakeModelServer();
    final Cli cli;

    CliFixture() {
        this(new Cli());
    }

    CliFixture(Cli cli) {
        this.cli = cli;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        server.setDispatcher(model);
        server.start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        server.close();
    }

    /** The base URL of the fake model server, as {@code --base-url} takes it. */
    String url() {
        return server.url("/v1").toString();
    }

    /** {@code stride run INPUT --db DB --model m --base-url URL}, to which a test adds what it needs. */
    RunArgs run(Object input, Path db) {
        return new RunArgs(input.toString(), db);
    }

    /** The arguments of one {@code stride run}, built up and then run with {@link #with}. */
    final class RunArgs {
        private final String input;
        private final Path db;
        private String model = "m";
        private final List<String> options = new ArrayList<>();

        private RunArgs(String input, Path db) {
            this.input = input;
            this.db = db;
        }

        RunArgs model(String name) {
            this.model = name;
            return this;
        }

        RunArgs template(String template) {
            options.addAll(List.of("--template", template));
            return this;
        }

        /** {@code --log-every 0}: no progress lines between the start and the summary. */
        RunArgs noProgress() {
            options.addAll(List.of("--log-every", "0"));
            return this;
        }

        /** Options every run of this builder takes, before those given to {@link #with}. */
        RunArgs and(String... more) {
            options.addAll(List.of(more));
            return this;
        }

        String[] toArray(String... more) {
            List<String> args = new ArrayList<>(List.of("run", input, "--db", db.toString(), "--model", model,
                    "--base-url", url()));
            args.addAll(options);
            args.addAll(List.of(more));
            return args.toArray(String[]::new);
        }

        /** Runs these arguments and {@code more} with the fixture's {@link Cli}. */
        Cli.Result with(String... more) {
            return cli.run(toArray(more));
        }
    }
}
