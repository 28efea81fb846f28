package dev.stride.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.core.Json;
import dev.stride.core.RunInfo;
import dev.stride.core.WorkerInfo;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The live workers of a run as {@code stride status} shows them: nothing while a run has none (a run that is not
 * going, or a store without workers), else one line per worker (host, process id, done by it, rate, when last seen,
 * and what it keeps in flight, learnt or fixed, with each server's own when it learnt them for several, and how old
 * that is when the worker has not written it for a few seconds). A worker waiting for its server(s) says so, in the
 * words of its progress line, where its rate would be: the rate since it joined is not what it makes now. What its
 * other held records wait for (a rate limit, a backoff before they are sent again) follows what is in flight, in its
 * progress line's words too: without it, a worker with 8 requests held for {@code --rpm} said "in flight 0" and
 * looked idle.
 */
final class WorkerLines {
    private WorkerLines() {
    }

    static void printText(PrintWriter out, Messages m, RunInfo run, List<WorkerInfo> workers, Instant now) {
        if (workers.isEmpty()) {
            return;
        }
        out.println(m.get("msg.status.workers", run.name(), workers.size()));
        for (WorkerInfo w : workers) {
            long ago = Math.max(0, Duration.between(w.lastSeen(), now).toMillis());
            // The requests out against the bound; a worker of a version that stored the bound alone says that.
            String inFlight = w.inFlight() == null ? ""
                    : w.requestsOut() != null ? InFlightWords.of(m, InFlightWords.STATUS, w.requestsOut(), w.inFlight(),
                            w.inFlightAuto(), w.servers())
                    : InFlightWords.of(m, InFlightWords.STATUS, w.inFlight(), w.inFlight(), w.inFlightAuto(),
                            w.servers());
            // Null for a worker of a stride before these figures: it says nothing of them.
            String waiting = inFlight.isEmpty() ? "" : InFlightWords.waiting(m, orZero(w.waitingForRateLimit()),
                    orZero(w.waitingToSendAgain()));
            // A live worker writes its figures every few seconds: older ones are a stuck writer's, or a dead worker's
            // whose lease runs on, and may no longer hold.
            String asOf = inFlight.isEmpty() || !w.figuresStale(now) ? ""
                    : m.get("msg.status.workerInFlightAsOf", Durations.human(w.figuresAgeMs(now)));
            // Failed apart from done, as the run's table counts them: "2,910 done, 83 failed", not "2,993 done".
            String failed = w.failed() == 0 ? "" : m.get("msg.status.workerFailed", w.failed());
            String line = w.waitingSince() != null
                    ? m.get("msg.status.workerWaiting", w.number(), w.host(), w.pid(), w.done(), failed,
                            Durations.human(w.waitedMs(now)), Durations.human(ago))
                    : m.get("msg.status.worker", w.number(), w.host(), w.pid(), w.done(), failed,
                            String.format(Locale.ROOT, "%.1f", w.rate(now)), Durations.human(ago));
            out.println(line + inFlight + waiting + asOf);
        }
    }

    /**
     * The live workers, an empty list for none; each worker's keys there whatever it tells, null where it told
     * nothing, as the dashboard's workers have them ({@code servers} a list once it tells its figures, empty with one
     * server).
     */
    static void putJson(ObjectNode o, List<WorkerInfo> workers, Instant now) {
        ArrayNode array = o.putArray("workers");
        for (WorkerInfo w : workers) {
            ObjectNode n = array.addObject();
            n.put("worker", w.number());
            n.put("host", w.host());
            n.put("pid", w.pid());
            n.put("done", w.done());
            n.put("failed", w.failed());
            n.put("rate", Math.round(w.rate(now) * 10) / 10.0);
            n.put("started_at", w.startedAt().toString());
            n.put("heartbeat_at", w.heartbeat().toString());
            // The text's "last seen": a busy worker renews its heartbeat only every 10 s, and read alone, a script
            // took a live worker's 9 s old heartbeat for a stalled one (walk).
            n.put("last_seen", w.lastSeen().toString());
            // Null while answers come: since when it waits for its server(s), as of in_flight_at.
            n.put("waiting_since", w.waitingSince() == null ? null : w.waitingSince().toString());
            boolean tells = w.inFlight() != null;
            n.put("in_flight_at", tells ? w.inFlightAsOf().toString() : null);
            n.put("in_flight", w.inFlight());
            n.put("concurrency", !tells ? null : w.inFlightAuto() ? "auto" : "fixed");
            n.set("servers", tells ? Json.serverLimits(w.servers()) : NullNode.getInstance());
            // in_flight stays the bound, as it always was; the requests out are a field of their own.
            n.put("requests_out", tells ? w.requestsOut() : null);
            // Held by the worker and at no server, so not among requests_out; null for a worker of a stride before
            // them, as of in_flight_at.
            n.put("waiting_for_rate_limit", w.waitingForRateLimit());
            n.put("waiting_to_send_again", w.waitingToSendAgain());
        }
    }

    private static int orZero(Integer count) {
        return count == null ? 0 : count;
    }
}
