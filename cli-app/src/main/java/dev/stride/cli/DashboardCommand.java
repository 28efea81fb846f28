package dev.stride.cli;

import dev.stride.dashboard.DashboardServer;
import dev.stride.db.Board;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stride dashboard}: serves the live dashboard of a database, read-only, until Ctrl+C or SIGTERM. It listens
 * on the loopback address unless {@code --bind} names another, and then says that anyone who can reach that address
 * can read every answer.
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true)
final class DashboardCommand implements Callable<Integer> {
    private final CliContext context;

    DashboardCommand(CliContext context) {
        this.context = context;
    }

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Mixin
    DbOption database;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8484")
    int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1")
    String bind;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw UserError.usageOf("msg.dashboard.port", port);
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw UserError.usageOf("msg.dashboard.badBind", bind);
        }
        if (database.postgres == null) {
            DbFile.requireExists(database.file);
            DbFile.upgradeIfOlder(database.file, spec);
        }
        Board board = database.board();
        DashboardServer server;
        try {
            server = DashboardServer.start(board, new InetSocketAddress(address, port), database.named().toString());
        } catch (BindException e) {
            board.close();
            // "Address already in use" is another program on the port; anything else (an address that is not this
            // machine's) is the address, and another dashboard has nothing to do with it.
            if (e.getMessage() == null || !e.getMessage().contains("in use")) {
                throw UserError.usageOf("msg.dashboard.cannotBind", bind, port, e.getMessage());
            }
            throw UserError.usageOf("msg.dashboard.portInUse", bind, port, e.getMessage());
        } catch (IOException e) {
            board.close();
            throw UserError.of(ExitCodes.ERROR, "msg.dashboard.cannotStart", bind, port, e.getMessage());
        }
        Messages m = Messages.of(spec);
        PrintWriter out = spec.commandLine().getOut();
        URI url = server.url(); // a closed server no longer has its address
        out.println(m.get("msg.dashboard.listening", url, database.named()));
        if (!address.isLoopbackAddress()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(m.get("msg.dashboard.notLoopback", bind));
            err.flush();
        }
        out.println(m.get("msg.dashboard.ctrlC"));
        out.flush();
        // Ctrl+C, SIGTERM and SIGHUP are how a dashboard ends (it serves until then): exit 0 after a line, so that a
        // supervisor (systemd, a container's stop) records a normal stop, not a failure. The JVM's own ending gave
        // 143 for SIGTERM; a run's 130 said "interrupted, run it again" of a dashboard that had done its work.
        CountDownLatch stopped = new CountDownLatch(1);
        try (AutoCloseable listening = context.signals().onInterrupt(stopped::countDown)) {
            stopped.await();
        } finally {
            server.close();
            board.close();
        }
        out.println(m.get("msg.dashboard.stopped", url));
        out.flush();
        return ExitCodes.OK;
    }
}
