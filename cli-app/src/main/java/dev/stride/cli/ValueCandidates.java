package dev.stride.cli;

import dev.stride.app.RunForm;
import dev.stride.core.Metric;
import java.util.Arrays;
import java.util.Iterator;

/**
 * The values of options that take a word from a fixed set but parse it themselves (a String, checked by the
 * application layer in its own words): offered by TAB completion, as an enum option's are.
 */
final class ValueCandidates {
    private ValueCandidates() {
    }

    /** --metric: exact, normalized, contains, choice, regex. */
    static final class Metrics implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Metric.values()).map(Metric::id).iterator();
        }
    }

    /** --api: the wire protocol spoken. */
    static final class Apis implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return RunForm.APIS.iterator();
        }
    }

    /** --endpoint: which OpenAI path. */
    static final class Endpoints implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return RunForm.ENDPOINTS.iterator();
        }
    }
}
