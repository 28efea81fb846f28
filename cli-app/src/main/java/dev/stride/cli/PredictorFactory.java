package dev.stride.cli;

import dev.stride.core.GenerationParams;
import dev.stride.core.Predictor;
import java.time.Duration;
import java.util.List;

/** Makes the predictor a run sends its requests through. */
interface PredictorFactory {

    Predictor create(ServerCall call);

    /**
     * What a predictor needs to know of the servers and the requests.
     *
     * @param apiKey may be null: local servers need none
     */
    record ServerCall(String model, List<String> baseUrls, String apiKey, GenerationParams params, Duration timeout,
                      int concurrency, boolean stream, boolean keepRaw) {
    }
}
