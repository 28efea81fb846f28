package dev.stride.core;

import java.time.Duration;
import java.util.Optional;

/** One attempt at a prediction failed; {@link #disposition()} says what the runner should do about it. */
public final class PredictionException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What a failure means for the record and the run. */
    public enum Disposition {
        /**
         * Passing trouble from a server that was reached (429, 5xx, a dropped connection, a broken body): try the record
         * again after a backoff.
         */
        RETRY,
        /** The server refused this record for good (e.g. 400 for an over-long prompt): store it as failed. */
        FAIL_RECORD,
        /** Every request would fail the same way (401, 403, unknown model): stop the run. */
        STOP_RUN,
        /** The request was cancelled because the run is stopping: store nothing. */
        CANCELLED,
        /**
         * No server answered: the request did not reach one (connection refused, unknown host, TLS failure, connect
         * timeout), or got no answer in time. Not the record's fault, unless other requests were answered meanwhile;
         * the runner decides whether to stop or wait for the server (see {@link BatchRunner}).
         */
        UNREACHABLE
    }

    /** The kind of a request that got no answer in time: the one way of finding no server a record can cause. */
    public static final String TIMEOUT = "timeout";
    /**
     * The kind of a connection that failed: refused ({@link Disposition#UNREACHABLE}), or dropped by a server that had
     * taken it ({@link Disposition#RETRY}). A dropped one says a server was there, not that it answered.
     */
    public static final String CONNECTION = "connection";
    /** The kind of an HTTP 429: too many requests, which a server answering others means as "not now". */
    public static final String TOO_MANY_REQUESTS = "http_429";
    /**
     * The kind of an HTTP 503: service unavailable, which a server answering others means as "full now" (TGI and
     * gateways in front of a model refuse what is beyond their slots with it).
     */
    public static final String SERVICE_UNAVAILABLE = "http_503";

    private final Disposition disposition;
    private final String kind;
    private final transient Duration retryAfter;
    private final boolean limitLowered;
    private final transient Duration latency;

    /**
     * @param kind       a short stable code, e.g. {@code http_429}, {@code timeout}, {@code connection}
     * @param message    one line; for {@link Disposition#UNREACHABLE} it names the server(s) tried
     * @param retryAfter how long the server asked us to wait, or null
     */
    public PredictionException(Disposition disposition, String kind, String message, Duration retryAfter) {
        this(disposition, kind, message, retryAfter, false);
    }

    /**
     * @param limitLowered a {@link Disposition#RETRY} refusal (429, 503) that the predictor's learnt limit on requests
     *                     in flight ({@code --concurrency auto}) backs off for: the run sent one too many, the record
     *                     is not to blame, and the runner does not charge it to the record's retries (a few times)
     */
    public PredictionException(Disposition disposition, String kind, String message, Duration retryAfter,
                               boolean limitLowered) {
        this(disposition, kind, message, retryAfter, limitLowered, null);
    }

    private PredictionException(Disposition disposition, String kind, String message, Duration retryAfter,
                                boolean limitLowered, Duration latency) {
        super(message);
        this.disposition = disposition;
        this.kind = kind;
        this.retryAfter = retryAfter;
        this.limitLowered = limitLowered;
        this.latency = latency;
    }

    /**
     * This failure with the time its request took, from sending it to the failure, as the predictor measured it: a
     * wait before sending (a rate limit's pacing) is not the server's time. The runner times the whole call without.
     */
    public PredictionException withLatency(Duration requestTime) {
        PredictionException timed = new PredictionException(disposition, kind, getMessage(), retryAfter, limitLowered,
                requestTime);
        timed.setStackTrace(getStackTrace());
        return timed;
    }

    public Disposition disposition() {
        return disposition;
    }

    public String kind() {
        return kind;
    }

    /**
     * Whether the server refused the request as one too many now (a 429 or a 503), not for anything in it: from a
     * server that answers others meanwhile, it means this record's turn has not come.
     */
    public boolean notNow() {
        return TOO_MANY_REQUESTS.equals(kind) || SERVICE_UNAVAILABLE.equals(kind);
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** See {@link #withLatency(Duration)}. */
    public Optional<Duration> latency() {
        return Optional.ofNullable(latency);
    }

    /** See {@link #PredictionException(Disposition, String, String, Duration, boolean)}. */
    public boolean limitLowered() {
        return limitLowered;
    }
}
