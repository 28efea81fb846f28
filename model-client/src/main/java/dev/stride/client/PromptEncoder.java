package dev.stride.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes the request body of a {@link PromptRequest} for its {@link Api}. Absent values are not written (several
 * servers reject {@code "temperature": null}); {@code stream} is always explicit, because Ollama streams by default.
 */
final class PromptEncoder {

    /** Stands for the prompt while a frame is made; no prompt of a run is expected to be exactly this. */
    private static final String STAND_IN = "\u0000stride:prompt\u0000";

    private final ObjectMapper mapper;
    /** The body around the prompt of the last plain request, or null; replaced when a request differs from it. */
    private volatile Frame frame;

    PromptEncoder(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * The body of {@code request}. A run sends the same body but for its prompt thousands of times, so a plain
     * request (a prompt, no messages or body of its own) is written as a frame made once (the bytes before and
     * after the prompt, as the tree below writes them) around the prompt as Jackson quotes it: the same bytes, for
     * a fraction of the CPU of building and writing a tree per prompt.
     */
    byte[] encode(PromptRequest request) {
        if (request.body() != null || request.messages() != null) {
            return tree(request);
        }
        Frame f = frame;
        if (f == null || !f.fits(request)) {
            f = Frame.of(request, this);
            frame = f;
        }
        return f.around == null ? tree(request) : f.wrap(quoted(prompt(request)));
    }

    /** The prompt as the body carries it: the user message, or (completions) the system text and it together. */
    private static String prompt(PromptRequest request) {
        return request.api() == Api.OPENAI_COMPLETIONS && request.system() != null
                ? request.system() + "\n\n" + request.user() : request.user();
    }

    private byte[] quoted(String text) {
        try {
            return mapper.writeValueAsBytes(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: a string always serializes", e);
        }
    }

    /**
     * The bytes before and after the prompt for requests like {@code made}: same API, model, system text, sampling
     * (the very object: a run's template hands the same one to every request) and streaming.
     *
     * @param around the two parts, or null when the body does not carry the prompt once as a string (a sampling
     *               extra that replaces the messages, say): such requests are written as trees
     */
    private record Frame(PromptRequest made, byte[][] around) {
        static Frame of(PromptRequest request, PromptEncoder encoder) {
            // For completions the prompt is the system text and the user message joined: the stand-in is all of it.
            PromptRequest standIn = new PromptRequest(request.api(), request.model(),
                    request.api() == Api.OPENAI_COMPLETIONS ? null : request.system(), STAND_IN, request.sampling(),
                    request.stream(), request.keepRaw());
            byte[] body = encoder.tree(standIn);
            byte[] mark = encoder.quoted(STAND_IN);
            int at = indexOf(body, mark, 0);
            if (at < 0 || indexOf(body, mark, at + 1) >= 0) {
                return new Frame(request, null);
            }
            byte[] before = Arrays.copyOfRange(body, 0, at);
            byte[] after = Arrays.copyOfRange(body, at + mark.length, body.length);
            return new Frame(request, new byte[][] {before, after});
        }

        boolean fits(PromptRequest r) {
            return r.api() == made.api() && r.sampling() == made.sampling() && r.stream() == made.stream()
                    && r.model().equals(made.model()) && Objects.equals(r.system(), made.system());
        }

        byte[] wrap(byte[] prompt) {
            byte[] before = around[0];
            byte[] after = around[1];
            byte[] body = new byte[before.length + prompt.length + after.length];
            System.arraycopy(before, 0, body, 0, before.length);
            System.arraycopy(prompt, 0, body, before.length, prompt.length);
            System.arraycopy(after, 0, body, before.length + prompt.length, after.length);
            return body;
        }

        private static int indexOf(byte[] in, byte[] what, int from) {
            outer:
            for (int i = from; i <= in.length - what.length; i++) {
                for (int j = 0; j < what.length; j++) {
                    if (in[i + j] != what[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }

    /** The body built as a tree and written: the definition of what is sent. */
    byte[] tree(PromptRequest request) {
        if (request.body() != null) {
            ObjectNode given = request.body().deepCopy();
            // The run's model, whatever the line names: an OpenAI batch file names an OpenAI model, and a run stored
            // (status, compare, scores) as --model's must be answered by it, not by the file's.
            given.put("model", request.model());
            return write(given);
        }
        ObjectNode body = mapper.createObjectNode();
        body.put("model", request.model());
        Sampling s = request.sampling();
        switch (request.api()) {
            case OPENAI_CHAT -> {
                messages(body, request);
                openAiSampling(body, s);
                openAiStream(body, request.stream());
            }
            case OPENAI_COMPLETIONS -> {
                body.put("prompt", request.system() == null
                        ? request.user() : request.system() + "\n\n" + request.user());
                openAiSampling(body, s);
                openAiStream(body, request.stream());
            }
            case OLLAMA_CHAT -> {
                messages(body, request);
                body.put("stream", request.stream());
                ObjectNode options = mapper.createObjectNode();
                putIfSet(options, "num_predict", s.maxTokens());
                putIfSet(options, "temperature", s.temperature());
                putIfSet(options, "top_p", s.topP());
                putIfSet(options, "seed", s.seed());
                putStop(options, s.stop());
                if (!options.isEmpty()) {
                    body.set("options", options);
                }
            }
        }
        for (Map.Entry<String, JsonNode> e : s.extra().entrySet()) {
            JsonNode current = body.get(e.getKey());
            if (request.api() == Api.OLLAMA_CHAT && e.getKey().equals("options")
                    && current instanceof ObjectNode options && e.getValue().isObject()) {
                // --param options={"num_ctx":8192} adds to num_predict & co. rather than dropping them.
                options.setAll((ObjectNode) e.getValue().deepCopy());
            } else {
                body.set(e.getKey(), e.getValue().deepCopy());
            }
        }
        return write(body);
    }

    private byte[] write(ObjectNode body) {
        try {
            return mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: a JSON tree always serializes", e);
        }
    }

    private static void messages(ObjectNode body, PromptRequest request) {
        ArrayNode messages = body.putArray("messages");
        boolean ownSystem = request.messages() != null && hasSystem(request.messages());
        if (request.system() != null && !ownSystem) {
            messages.addObject().put("role", "system").put("content", request.system());
        }
        if (request.messages() != null) {
            request.messages().forEach(m -> messages.add(m.deepCopy()));
        } else {
            messages.addObject().put("role", "user").put("content", request.user());
        }
    }

    private static boolean hasSystem(ArrayNode messages) {
        for (JsonNode m : messages) {
            if ("system".equals(m.path("role").asText()) || "developer".equals(m.path("role").asText())) {
                return true;
            }
        }
        return false;
    }

    private static void openAiSampling(ObjectNode body, Sampling s) {
        putIfSet(body, "max_tokens", s.maxTokens());
        putIfSet(body, "temperature", s.temperature());
        putIfSet(body, "top_p", s.topP());
        putIfSet(body, "seed", s.seed());
        putStop(body, s.stop());
    }

    private static void openAiStream(ObjectNode body, boolean stream) {
        body.put("stream", stream);
        if (stream) {
            // Without it OpenAI and vLLM send no usage at all in a stream.
            body.putObject("stream_options").put("include_usage", true);
        }
    }

    private static void putIfSet(ObjectNode node, String field, Number value) {
        if (value instanceof Integer i) {
            node.put(field, i);
        } else if (value instanceof Long l) {
            node.put(field, l);
        } else if (value instanceof Double d) {
            node.put(field, d);
        }
    }

    private static void putStop(ObjectNode node, List<String> stop) {
        if (!stop.isEmpty()) {
            ArrayNode array = node.putArray("stop");
            stop.forEach(array::add);
        }
    }
}
