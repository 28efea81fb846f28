package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The extension the PostgreSQL tests share: a new database for each test, and every cluster it started stopped once
 * its tests are over, the class's after its last test (checked here after the nested classes have run).
 */
class PostgresServerTest {
    private static int perClassPort;
    private static String firstUrl;
    private static int perTestPort;

    @AfterAll
    static void theClassClusterIsGoneAfterItsLastTest() {
        assumeTrue(perClassPort > 0, "the per-class tests did not run (no PostgreSQL?)");
        assertThat(listening(perClassPort)).as("the class's cluster still answers on " + perClassPort).isFalse();
    }

    @Test
    void perClassOnAnInstanceFieldIsRefusedRatherThanLeftRunning() {
        assertThatThrownBy(() -> PostgresServer.perClass().beforeEach(null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("static field");
    }

    @Nested
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class PerClass {
        @RegisterExtension
        static final PostgresServer PG = PostgresServer.perClass();

        @Test
        @Order(1)
        void aTestGetsADatabase() throws Exception {
            firstUrl = PG.url();
            perClassPort = PG.cluster().port();
            assertThat(PG.url()).as("asked twice in one test").isEqualTo(firstUrl);
            try (var c = PG.connect()) {
                assertThat(c.isValid(5)).isTrue();
            }
        }

        @Test
        @Order(2)
        void theNextTestGetsAnotherOnTheSameCluster() {
            assertThat(PG.cluster().port()).isEqualTo(perClassPort);
            assertThat(PG.url()).isNotEqualTo(firstUrl);
        }
    }

    @Nested
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class PerTest {
        @RegisterExtension
        final PostgresServer pg = PostgresServer.perTest();

        @Test
        @Order(1)
        void aTestGetsAClusterOfItsOwn() {
            perTestPort = pg.cluster().port();
            assertThat(listening(perTestPort)).isTrue();
        }

        @Test
        @Order(2)
        void theLastTestsClusterIsGoneBeforeTheNext() {
            assertThat(perTestPort).as("the first test ran").isPositive();
            assertThat(listening(perTestPort)).as("the last test's cluster still answers on " + perTestPort).isFalse();
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (ConnectException refused) {
            return false;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
