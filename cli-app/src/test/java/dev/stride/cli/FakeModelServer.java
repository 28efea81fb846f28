package dev.stride.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * A MockWebServer dispatcher that answers chat completions like a model would: the answer is derived from the
 * prompt ({@code "echo: " + prompt}), so a test can check every stored output belongs to its input. A rule may
 * replace the answer for chosen prompts (errors, delays).
 */
final class FakeModelServer extends Dispatcher {
    private static final ObjectMapper JSON = new ObjectMapper();

    final ConcurrentLinkedQueue<String> prompts = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> authorizations = new ConcurrentLinkedQueue<>();
    final AtomicInteger requests = new AtomicInteger();
    /** GETs of the list of models: the client's check of a server whose request timed out; not in {@link #requests}. */
    final AtomicInteger checks = new AtomicInteger();
    private volatile Function<String, MockResponse> rule = prompt -> null;
    private volatile MockResponse checkAnswer = json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"test-model\"}]}");
    private volatile int ctrlCAt;
    private volatile Cli ctrlCOn;

    /** Answers with {@code rule}'s response where it gives one, and with an echo otherwise. */
    FakeModelServer answering(Function<String, MockResponse> rule) {
        this.rule = rule;
        return this;
    }

    /** Answers a GET of the models list (the client's check of the server) with {@code answer}. */
    FakeModelServer checkedWith(MockResponse answer) {
        this.checkAnswer = answer;
        return this;
    }

    /**
     * Answers the first {@code n} requests from now at once and holds each later one until {@code release} opens (a
     * minute at most): a run that cannot end before the test has looked at it going.
     */
    FakeModelServer holdingAfter(int n, CountDownLatch release) {
        AtomicInteger seen = new AtomicInteger();
        return answering(prompt -> {
            if (seen.incrementAndGet() > n) {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return null;
        });
    }

    /**
     * Presses Ctrl+C on {@code cli}'s run as the {@code n}th request (counted over the whole test) is answered: the
     * run stops gracefully, so that answer and the others in flight are saved.
     */
    FakeModelServer pressingCtrlCAt(int n, Cli cli) {
        this.ctrlCOn = cli;
        this.ctrlCAt = n;
        return this;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        if ("GET".equals(request.getMethod())) {
            checks.incrementAndGet();
            return checkAnswer;
        }
        if (requests.incrementAndGet() == ctrlCAt) {
            ctrlCOn.pressCtrlC();
        }
        String prompt;
        try {
            JsonNode body = JSON.readTree(request.getBody().utf8());
            JsonNode messages = body.get("messages");
            prompt = messages.get(messages.size() - 1).get("content").asText();
        } catch (IOException | RuntimeException e) {
            return new MockResponse.Builder().code(400).body("{\"error\":{\"message\":\"bad request\"}}").build();
        }
        prompts.add(prompt);
        String auth = request.getHeaders().get("Authorization");
        if (auth != null) {
            authorizations.add(auth);
        }
        MockResponse special = rule.apply(prompt);
        return special != null ? special : ok(answerFor(prompt));
    }

    static String answerFor(String prompt) {
        return "echo: " + prompt;
    }

    static MockResponse ok(String content) {
        return ok(content, 7, 3);
    }

    /** An answer whose usage says it took {@code promptTokens} in and {@code completionTokens} out. */
    static MockResponse ok(String content, int promptTokens, int completionTokens) {
        ObjectNode body = JSON.createObjectNode();
        body.put("id", "chatcmpl-test");
        body.put("object", "chat.completion");
        body.put("model", "test-model");
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", content);
        choice.put("finish_reason", "stop");
        body.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
        return json(200, body.toString());
    }

    static MockResponse json(int status, String body) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json").body(body)
                .build();
    }

    List<String> promptList() {
        return List.copyOf(prompts);
    }
}
