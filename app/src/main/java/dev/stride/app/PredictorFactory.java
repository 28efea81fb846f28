package dev.stride.app;

import dev.stride.client.RateLimits;
import dev.stride.core.GenerationParams;
import dev.stride.core.Predictor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Makes the predictor a run sends its requests through. */
interface PredictorFactory {

    Predictor create(ServerCall call);

    /**
     * What a predictor needs to know of the servers and the requests.
     *
     * @param apiKey  may be null: local servers need none
     * @param baseUrls the URLs requests go to, secrets and all
     * @param httpLog where a line per request and response goes ({@code -v}); null for none
     * @param headers sent on every request, by name
     * @param concurrency requests in flight at most; with {@code autoConcurrency}, the most a learnt limit reaches
     * @param autoConcurrency each server's limit is learnt from its answers ({@code --concurrency auto})
     * @param rateLimits requests and tokens per minute to each server
     */
    record ServerCall(String model, List<String> baseUrls, String apiKey, GenerationParams params, Duration timeout,
                      int concurrency, boolean stream, boolean keepRaw, Consumer<String> httpLog,
                      Map<String, String> headers, boolean autoConcurrency, RateLimits rateLimits) {

        /** A call at a fixed concurrency, without a rate limit of the user's. */
        ServerCall(String model, List<String> baseUrls, String apiKey, GenerationParams params, Duration timeout,
                   int concurrency, boolean stream, boolean keepRaw, Consumer<String> httpLog,
                   Map<String, String> headers) {
            this(model, baseUrls, apiKey, params, timeout, concurrency, stream, keepRaw, httpLog, headers, false,
                    RateLimits.NONE);
        }
    }
}
