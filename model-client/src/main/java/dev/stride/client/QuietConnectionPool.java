package dev.stride.client;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import okhttp3.ConnectionPool;
import okhttp3.internal.concurrent.TaskRunner;
import okhttp3.internal.connection.ConnectionListener;

/**
 * OkHttp's connection pool, without a thread woken after every call.
 *
 * <p>Each time a call gives its connection back, OkHttp's pool schedules its cleanup "now": the task runner's thread
 * is signalled, wakes, scans every pooled connection and goes back to sleep until the oldest idle one would expire.
 * With one request after another on 64 kept-alive connections that is a wake-up and a scan per prediction (about 5%
 * of the CLI's CPU, measured with perf against an instant server). Here the pool's tasks run on a task runner that
 * is not woken for a task made earlier: the cleanup runs when the runner's thread wakes by itself (at the latest
 * one keep-alive period after a connection fell idle). Nothing else changes: connections are reused as before, a
 * connection the server closed is still found out (and replaced) when a call takes it, and an idle connection is
 * closed one keep-alive period late at worst.
 *
 * <p>Built on OkHttp's task runner API ({@code okhttp3.internal.concurrent}, public but internal): the OkHttp
 * version is pinned in the parent pom, and a change there fails this class's compilation, not a run.
 */
final class QuietConnectionPool {
    /** One for every client of the JVM, as OkHttp's own runner is: its one thread is a daemon that mostly sleeps. */
    private static final TaskRunner RUNNER =
            new TaskRunner(new LateBackend(), Logger.getLogger(TaskRunner.class.getName()));

    private QuietConnectionPool() {
    }

    /** A pool that keeps up to {@code maxIdle} idle connections, each for {@code keepAliveMillis}. */
    static ConnectionPool create(int maxIdle, long keepAliveMillis) {
        return new ConnectionPool(maxIdle, keepAliveMillis, TimeUnit.MILLISECONDS, RUNNER,
                ConnectionListener.Companion.getNONE());
    }

    /** OkHttp's own backend (daemon threads, its clock), except that a waiting thread is never woken early. */
    private static final class LateBackend implements TaskRunner.Backend {
        private final TaskRunner.RealBackend real = new TaskRunner.RealBackend(daemon());

        private static ThreadFactory daemon() {
            return runnable -> {
                Thread t = new Thread(runnable, "stride-connection-pool");
                t.setDaemon(true);
                return t;
            };
        }

        @Override
        public long nanoTime() {
            return real.nanoTime();
        }

        @Override
        public void coordinatorNotify(TaskRunner taskRunner) {
            // Deliberately nothing: the cleanup made "now" by a returned connection waits for the next wake-up.
        }

        @Override
        public void coordinatorWait(TaskRunner taskRunner, long nanos) {
            try {
                real.coordinatorWait(taskRunner, nanos);
            } catch (InterruptedException e) {
                // The interface (Kotlin) declares nothing, but its caller stops its tasks on this exception.
                throw LateBackend.<RuntimeException>unchecked(e);
            }
        }

        @SuppressWarnings("unchecked")
        private static <E extends Exception> E unchecked(Exception e) throws E {
            throw (E) e;
        }

        @Override
        public <T> java.util.concurrent.BlockingQueue<T> decorate(java.util.concurrent.BlockingQueue<T> queue) {
            return real.decorate(queue);
        }

        @Override
        public void execute(TaskRunner taskRunner, Runnable runnable) {
            real.execute(taskRunner, runnable);
        }
    }
}
