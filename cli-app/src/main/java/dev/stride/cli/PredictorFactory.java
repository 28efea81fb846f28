package dev.stride.cli;

import dev.stride.core.GenerationParams;
import dev.stride.core.Predictor;
import java.time.Duration;

/** Makes the predictor a run sends its requests through. */
interface PredictorFactory {

    /**
     * @param apiKey may be null: local servers need none
     */
    Predictor create(String model, String baseUrl, String apiKey, GenerationParams params, Duration timeout,
                     int concurrency);
}
