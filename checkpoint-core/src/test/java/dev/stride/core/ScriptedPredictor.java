package dev.stride.core;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link Predictor} that does what the test wrote down for each record, attempt by attempt: answer, fail with a
 * chosen disposition, throw, or hold the call until the test releases it. Records without a script get the default
 * reply (an answer, unless {@link #holdEverything()}). It remembers which records were asked, in order, and the most
 * calls it ever had in flight at once; {@link #cancelAll()} makes every held call throw CANCELLED, as the HTTP client
 * does.
 */
final class ScriptedPredictor implements Predictor {

    /** What one attempt does. */
    sealed interface Reply permits Answer, Failure, Crash, Hold {
    }

    record Answer(String text) implements Reply {
    }

    record Failure(PredictionException error) implements Reply {
    }

    record Crash(RuntimeException error) implements Reply {
    }

    /** The call waits for {@link #release}. */
    record Hold() implements Reply {
    }

    private final Map<String, Deque<Reply>> scripts = new HashMap<>();
    private final List<String> asked = new ArrayList<>();
    private final List<HeldCall> held = new ArrayList<>();
    private Reply otherwise = new Answer(null);
    private int inFlight;
    private int maxInFlight;
    private int cancels;
    /** Calls wait for this many in flight (or {@link #lingerNanos}) before they reply: so that calls overlap. */
    private int lingerFor;
    private long lingerNanos;

    static Reply answer(String text) {
        return new Answer(text);
    }

    static Reply hold() {
        return new Hold();
    }

    static Reply fail(PredictionException.Disposition disposition, String kind, String message) {
        return new Failure(new PredictionException(disposition, kind, message, null));
    }

    static Reply retryAfter(Duration wait, String kind, String message) {
        return new Failure(new PredictionException(PredictionException.Disposition.RETRY, kind, message, wait));
    }

    /** A 429 with Retry-After that the predictor's learnt limit backed off for: the run sent one too many. */
    static Reply refusedOverLimit(Duration retryAfter) {
        return new Failure(new PredictionException(PredictionException.Disposition.RETRY, "http_429",
                "HTTP 429: too many requests at once", retryAfter, true));
    }

    /**
     * A connect timeout: no server answered and none was sent the request (the HTTP predictor's kind is a timeout,
     * but the connection was never made), as against a server whose accept backlog is full.
     */
    static Reply connectTimeout(String message) {
        PredictionException error = new PredictionException(PredictionException.Disposition.UNREACHABLE,
                PredictionException.TIMEOUT, message, null);
        synchronized (NEVER_SENT) {
            NEVER_SENT.add(error);
        }
        return new Failure(error);
    }

    /** The failures that reached no server although of a kind that can (a connect timeout's). */
    private static final Set<PredictionException> NEVER_SENT = Collections.newSetFromMap(new IdentityHashMap<>());

    /** No server answered this attempt (the HTTP predictor's connection refused, unknown host, TLS or timeout). */
    static Reply unreachable(String kind, String message) {
        return fail(PredictionException.Disposition.UNREACHABLE, kind, message);
    }

    static Reply crash(RuntimeException error) {
        return new Crash(error);
    }

    static Reply cancelled() {
        return fail(PredictionException.Disposition.CANCELLED, "cancelled", "Canceled");
    }

    /** The next attempts at {@code recordId} do these, in order; the attempts after them get the default reply. */
    synchronized ScriptedPredictor script(String recordId, Reply... replies) {
        scripts.computeIfAbsent(recordId, id -> new ArrayDeque<>()).addAll(List.of(replies));
        return this;
    }

    /** Every attempt without a script gets {@code reply}. */
    synchronized ScriptedPredictor otherwise(Reply reply) {
        otherwise = reply;
        return this;
    }

    /** Every attempt without a script is held. */
    synchronized ScriptedPredictor holdEverything() {
        otherwise = new Hold();
        return this;
    }

    /**
     * As the HTTP predictor tells its record's cost: a server that could not be reached but by a timeout (a refused
     * connection, an unknown host) was sent no request.
     */
    @Override
    public Completion predict(Prompt prompt, RecordCost cost) throws PredictionException {
        try {
            return predict(prompt);
        } catch (PredictionException e) {
            boolean neverSent;
            synchronized (NEVER_SENT) {
                neverSent = NEVER_SENT.contains(e);
            }
            if (e.disposition() == PredictionException.Disposition.UNREACHABLE
                    && (!PredictionException.TIMEOUT.equals(e.kind()) || neverSent)) {
                cost.notSent();
            }
            throw e;
        }
    }

    @Override
    public Completion predict(Prompt prompt) throws PredictionException {
        Reply reply;
        synchronized (this) {
            asked.add(prompt.recordId());
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            Deque<Reply> script = scripts.get(prompt.recordId());
            reply = script == null || script.isEmpty() ? otherwise : script.poll();
            if (reply instanceof Hold) {
                HeldCall call = new HeldCall(prompt.recordId());
                held.add(call);
                notifyAll();
                while (call.reply == null) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        // As the HTTP client does when its thread is interrupted: the call is given up.
                        Thread.currentThread().interrupt();
                        held.remove(call);
                        call.reply = cancelled();
                    }
                }
                reply = call.reply;
            }
            linger();
        }
        try {
            if (reply instanceof Failure f) {
                throw f.error();
            }
            if (reply instanceof Crash c) {
                throw c.error();
            }
            String text = ((Answer) reply).text();
            return Completion.of(dev.stride.core.Answer.plain(text != null ? text : "answer to " + prompt.recordId(),
                    "stop", 5, 2));
        } finally {
            synchronized (this) {
                inFlight--;
                notifyAll();
            }
        }
    }

    /**
     * From now on each call, before it replies, waits until {@code calls} are in flight or {@code most} has passed:
     * replies at once would seldom overlap, and a bound that lets too many calls out would go unseen. Only how much
     * calls overlap depends on the machine's speed, never what a test asserts.
     */
    synchronized void lingerUntilInFlight(int calls, Duration most) {
        lingerFor = calls;
        lingerNanos = most.toNanos();
    }

    private void linger() {
        long end = System.nanoTime() + lingerNanos;
        long left;
        while (inFlight < lingerFor && (left = end - System.nanoTime()) > 0) {
            notifyAll();
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        notifyAll();
    }

    /** Gives the held call for {@code recordId} its reply. */
    synchronized void release(String recordId, Reply reply) {
        for (Iterator<HeldCall> it = held.iterator(); it.hasNext(); ) {
            HeldCall call = it.next();
            if (call.recordId.equals(recordId)) {
                it.remove();
                call.reply = reply;
                notifyAll();
                return;
            }
        }
        throw new AssertionError("no call held for " + recordId + "; held: " + heldIds());
    }

    /** From now on nothing is held: the calls held now are answered, and so is every later one without a script. */
    synchronized void answerEverything() {
        otherwise = new Answer(null);
        for (HeldCall call : held) {
            call.reply = otherwise;
        }
        held.clear();
        notifyAll();
    }

    @Override
    public synchronized void cancelAll() {
        for (HeldCall call : held) {
            call.reply = cancelled();
            cancels++;
        }
        held.clear();
        notifyAll();
    }

    @Override
    public void close() {
    }

    /** Waits until a call for each of these records is held. */
    synchronized void awaitHeld(String... recordIds) throws InterruptedException {
        List<String> wanted = List.of(recordIds);
        Guard.await(this, () -> heldIds().containsAll(wanted), "calls held for " + wanted + ", held: " + heldIds());
    }

    /** Waits until {@code count} calls are held at once. */
    synchronized void awaitHeldCount(int count) throws InterruptedException {
        Guard.await(this, () -> held.size() >= count, count + " calls held, held: " + heldIds());
    }

    synchronized List<String> heldIds() {
        return held.stream().map(c -> c.recordId).toList();
    }

    /** The records asked, one entry per attempt, in the order the calls came. */
    synchronized List<String> asked() {
        return List.copyOf(asked);
    }

    synchronized long attempts(String recordId) {
        return asked.stream().filter(recordId::equals).count();
    }

    synchronized int inFlight() {
        return inFlight;
    }

    synchronized int maxInFlight() {
        return maxInFlight;
    }

    /** Calls that {@link #cancelAll()} found held and cancelled. */
    synchronized int cancels() {
        return cancels;
    }

    private static final class HeldCall {
        private final String recordId;
        private Reply reply;

        HeldCall(String recordId) {
            this.recordId = recordId;
        }
    }
}
