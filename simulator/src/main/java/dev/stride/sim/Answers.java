package dev.stride.sim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The simulator's answers: the prompt echoed whole, then a few words drawn from a hash of it. The same prompt always
 * gets the same answer, and every answer shows which prompt it belongs to.
 */
final class Answers {
    static final String PREFIX = "Answer to: ";
    static final String SEPARATOR = " -- ";

    private static final String[] WORDS = {
        "rest", "fluids", "monitor", "symptoms", "consult", "a", "clinician", "if", "they", "persist", "typical",
        "range", "varies", "with", "age", "and", "health", "usually", "mild", "seek", "care", "when", "severe",
        "early", "screening", "helps", "balanced", "diet", "regular", "exercise", "sleep", "well", "avoid",
        "smoking", "limit", "alcohol", "check", "blood", "pressure", "vaccination", "recommended", "dose",
        "depends", "on", "weight", "follow", "label", "guidance", "common", "cause", "infection", "inflammation",
        "treatment", "supportive", "in", "most", "cases", "watch", "for", "warning", "signs", "the", "of", "is",
    };

    private Answers() {
    }

    /** The full answer before any {@code max_tokens} cut. */
    static String answer(String prompt) {
        SplittableRandom random = new SplittableRandom(hash(prompt));
        int count = 6 + random.nextInt(13);
        StringBuilder s = new StringBuilder(PREFIX).append(prompt).append(SEPARATOR);
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                s.append(' ');
            }
            s.append(WORDS[random.nextInt(WORDS.length)]);
        }
        return s.append('.').toString();
    }

    /**
     * The answer as tokens, one word each with its leading space, so that joining them gives the text back. A token
     * count is a word count: close enough to a tokenizer's for timing and usage.
     */
    static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == ' ' && text.charAt(i - 1) != ' ') {
                tokens.add(text.substring(start, i));
                start = i;
            }
        }
        return tokens;
    }

    /** About how many tokens a prompt has: its words. */
    static int countTokens(String text) {
        String t = text.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    private static long hash(String prompt) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(prompt.getBytes(StandardCharsets.UTF_8));
            long h = 0;
            for (byte b : Arrays.copyOf(digest, 8)) {
                h = h << 8 | (b & 0xff);
            }
            return h;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
