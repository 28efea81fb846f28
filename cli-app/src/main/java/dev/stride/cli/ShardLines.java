package dev.stride.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.core.RunInfo;
import java.io.PrintWriter;
import java.util.List;

/**
 * The shard of its input a run holds ({@code --shard I/N}, one of the run's settings, stored with it), as
 * {@code stride status} shows it: one line per sharded run and {@code "shard": "I/N"} in {@code --json}; nothing for a
 * run over its whole input, so that the status of an unsharded run reads as before.
 */
final class ShardLines {
    private ShardLines() {
    }

    static void printText(PrintWriter out, Messages m, List<RunInfo> runs) {
        for (RunInfo run : runs) {
            if (run.shard() != null) {
                out.println(m.get("msg.status.shard", run.name(), run.shard().toString()));
            }
        }
    }

    static void putJson(ObjectNode o, RunInfo run) {
        o.put("shard", run.shard() == null ? null : run.shard().toString());
    }
}
