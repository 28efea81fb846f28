package dev.stride.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's {@link PostgresCluster}, started when a test first asks for it and removed after, with a new database
 * for each test ({@link #url()}). Either
 * <pre>{@code @RegisterExtension static final PostgresServer PG = PostgresServer.perClass();}</pre>
 * one cluster for all the tests of the class, removed after the last one, or
 * <pre>{@code @RegisterExtension final PostgresServer pg = PostgresServer.perTest();}</pre>
 * a cluster of its own for each test, for tests that leave the server in a state the next one must not find.
 * Started on first use, so that a class's SQLite tests neither wait for a cluster nor are skipped without PostgreSQL;
 * the class's {@code @BeforeEach} methods run after this extension's, its {@code @AfterEach} ones before.
 */
public final class PostgresServer implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        AfterAllCallback {
    private final boolean perTest;
    private PostgresCluster cluster;
    private String url; // this test's database, made when it first asks for it
    private boolean onTheClass; // told beforeAll: only a static field is, and only then is it told afterAll

    private PostgresServer(boolean perTest) {
        this.perTest = perTest;
    }

    /** One cluster for the class (register it on a static field), a new database for each test. */
    public static PostgresServer perClass() {
        return new PostgresServer(false);
    }

    /** A new cluster for each test. */
    public static PostgresServer perTest() {
        return new PostgresServer(true);
    }

    /**
     * The cluster, started now if it is not yet (or the test skipped, failed in CI, without PostgreSQL). A failure to
     * start it is unchecked, as in {@link #url()}: so that a test may ask in a lambda.
     */
    public synchronized PostgresCluster cluster() {
        if (cluster == null) {
            try {
                cluster = PostgresCluster.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the PostgreSQL cluster started", e);
            }
        }
        return cluster;
    }

    /** This test's database, made when first asked for: the URL for {@code --db}. */
    public synchronized String url() {
        if (url == null) {
            url = newDatabase();
        }
        return url;
    }

    public PostgresLocation location() {
        return PostgresCluster.location(url());
    }

    /** A plain JDBC connection to this test's database. */
    public Connection connect() throws SQLException {
        return PostgresCluster.connect(url());
    }

    /** Another new, empty database on the cluster, for a test that needs more than one. */
    public synchronized String newDatabase() {
        try {
            return cluster().newDatabase();
        } catch (SQLException e) {
            throw new IllegalStateException("could not create a database on the PostgreSQL cluster", e);
        }
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        onTheClass = true;
    }

    @Override
    public synchronized void beforeEach(ExtensionContext context) {
        if (!perTest && !onTheClass) {
            // On an instance field nothing would ever remove the cluster.
            throw new IllegalStateException("PostgresServer.perClass() must be registered on a static field");
        }
        url = null;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (perTest) {
            close();
        } else {
            synchronized (this) {
                url = null;
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private synchronized void close() {
        url = null;
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }
}
