package dev.stride.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the option letter a model chose in its free text, the way a person marking the answer sheet would.
 *
 * <p>The text is first folded (NFKC, so "Ｃ" and "（C）" read as "C" and "(C)") and the model's thinking is
 * dropped: any {@code <think>...</think>} block, all before a lone {@code </think>} and all after a lone
 * {@code <think>}. Then the first of these tiers that finds anything decides; when it finds two different letters the
 * answer is ambiguous and reads as no choice:
 * <ol>
 *   <li>the whole answer is one letter, give or take punctuation and markdown: "C", "c", "(C)", "C.", "**C**";</li>
 *   <li>a boxed letter, as reasoning models end: "\boxed{C}", "$\boxed{\text{C}}$";</li>
 *   <li>an explicit statement: "The answer is C", "Answer: C) ...", "the correct option is (C)", "Option C",
 *       "C is correct", "答案：C", "答案是C", "正确答案为 C", "选C", "故选：C", "选项C";</li>
 *   <li>a marked letter: "(C)", "（C）", "[C]", "【C】", "**C**" or "**C. text**", "C." or "C)" opening a line;</li>
 *   <li>the text of exactly one option occurring in the answer as whole words (when the record lists its options:
 *       the option "no" is not in "diagnosis", except in scripts that join words or particles); an option whose text
 *       lies inside a longer matching option's text gives way to it.</li>
 * </ol>
 * Letters are upper case; a lower-case one is taken only when it is the whole answer (tier 1), since "a" is a word.
 * Only the record's option letters count when it lists them, else A to J.
 *
 * <p>Options are read from the input record in these shapes: a field {@code options} or {@code choices} holding an
 * object {@code {"A": "...", "B": "..."}}, a list {@code ["...", "..."]} (lettered A, B, ... in order) or ARC's
 * {@code {"label": ["A", ...], "text": ["...", ...]}}; failing that, top-level fields named {@code A}, {@code B}, ...
 * A label is read like an answer; it may also be a whole number indexing an option list from 0 (MMLU's shape).
 */
final class ChoiceReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String ALL_LETTERS = "ABCDEFGHIJ";
    private static final Pattern THINKING = Pattern.compile("(?s)<think>.*?</think>");
    private static final Pattern EDGES = Pattern.compile("^[\\s\\p{P}`]+|[\\s\\p{P}`]+$",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** Between a keyword and its letter: blanks, a colon, opening brackets, markdown emphasis. */
    private static final String LEAD = "\\s*[:：]?[\\s*_(\\[【]*";
    /** After the letter: not another letter, so "Aspirin" is not the letter A. */
    private static final String LETTER = "([A-Z])(?![A-Za-z])";

    private static final List<Pattern> STATEMENTS = List.of(
            Pattern.compile("(?i:\\b(?:answer|option|choice)\\b(?:\\s+(?:is|would\\s+be|should\\s+be|will\\s+be))?)"
                    + LEAD + "(?:(?i:option|choice)\\s*)?" + LETTER),
            Pattern.compile("(?:答案|选项|选择|选)\\s*(?:应该是|应为|应是|是|为)?" + LEAD + LETTER),
            Pattern.compile("(?<![A-Za-z])([A-Z])\\s+(?i:is\\s+(?:the\\s+)?(?:correct|right)\\b)"),
            Pattern.compile("(?<![A-Za-z])([A-Z])\\s*(?:是正确|正确|为正确)"));

    /**
     * LaTeX's box, \boxed{C} or $\boxed{\text{C}}$: the final answer of reasoning and math-tuned models, which weigh
     * each option in turn before it ("Option A: ..."), so it decides before the statements do.
     */
    private static final List<Pattern> BOXED = List.of(
            Pattern.compile("\\\\boxed\\{\\s*(?:\\\\text(?:bf)?\\{\\s*)?" + LETTER));

    /**
     * After "A" or "I", what makes it the English article or pronoun rather than a letter: a lower-case word or a
     * number that does not go on like a reason ("Answer: A patient with…", "The answer is A 45-year-old…" against
     * "The answer is A because…").
     */
    private static final Pattern WORD_AFTER_ARTICLE = Pattern.compile("\\s+(?!(?:is|was|because|since|as|and|but|"
            + "which|for|so|seems|appears|would|should|could|will|may|might|or|here|now|then|again|too|also|only)\\b)"
            + "[a-z0-9]");

    private static final List<Pattern> MARKS = List.of(
            Pattern.compile("\\(\\s*([A-Z])\\s*\\)"),
            Pattern.compile("\\[\\s*([A-Z])\\s*]"),
            Pattern.compile("【\\s*([A-Z])\\s*】"),
            Pattern.compile("\\*\\*\\s*" + LETTER),
            Pattern.compile("(?m)^[\\s>*_-]*([A-Z])[.)](?=\\s|$)"));

    private final Map<String, String> options;
    private final boolean optionsAreList;

    private ChoiceReader(Map<String, String> options, boolean optionsAreList) {
        this.options = options;
        this.optionsAreList = optionsAreList;
    }

    static ChoiceReader forRecord(String recordJson) {
        if (recordJson == null || recordJson.isBlank()) {
            return new ChoiceReader(Map.of(), false);
        }
        JsonNode record;
        try {
            record = MAPPER.readTree(recordJson);
        } catch (JsonProcessingException e) {
            return new ChoiceReader(Map.of(), false);
        }
        if (record == null || !record.isObject()) {
            return new ChoiceReader(Map.of(), false);
        }
        for (String field : List.of("options", "choices")) {
            JsonNode node = record.get(field);
            if (node != null && node.isArray()) {
                Map<String, String> found = new LinkedHashMap<>();
                for (int i = 0; i < node.size() && i < 26; i++) {
                    found.put(String.valueOf((char) ('A' + i)), text(node.get(i)));
                }
                return new ChoiceReader(found, true);
            }
            if (node != null && node.isObject()) {
                JsonNode labels = node.get("label");
                JsonNode texts = node.get("text");
                Map<String, String> found = new LinkedHashMap<>();
                if (labels != null && labels.isArray() && texts != null && texts.isArray()) {
                    for (int i = 0; i < labels.size() && i < texts.size(); i++) {
                        putLetter(found, labels.get(i).asText(), texts.get(i));
                    }
                    return new ChoiceReader(found, true);
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    putLetter(found, e.getKey(), e.getValue());
                }
                return new ChoiceReader(found, false);
            }
        }
        Map<String, String> found = new LinkedHashMap<>();
        for (char c = 'A'; c <= 'Z'; c++) {
            JsonNode node = record.get(String.valueOf(c));
            if (node != null && node.isValueNode()) {
                found.put(String.valueOf(c), text(node));
            }
        }
        return new ChoiceReader(found, false);
    }

    private static void putLetter(Map<String, String> found, String key, JsonNode value) {
        String letter = key.strip().toUpperCase(Locale.ROOT);
        if (letter.length() == 1 && letter.charAt(0) >= 'A' && letter.charAt(0) <= 'Z') {
            found.put(letter, text(value));
        }
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? "" : node.isValueNode() ? node.asText() : node.toString();
    }

    /** The option letters the record lists, or A to J when it lists none. */
    String letters() {
        return options.isEmpty() ? ALL_LETTERS : String.join("", options.keySet());
    }

    /** The letter chosen in {@code answer}, or null when there is none or two different ones. */
    String read(String answer) {
        String text = withoutThinking(Normalizer.normalize(answer, Normalizer.Form.NFKC)).strip();
        String bare = EDGES.matcher(text).replaceAll("");
        if (bare.length() == 1) {
            String letter = bare.toUpperCase(Locale.ROOT);
            // Not a letter of the record's: it may still be an option's whole text ("4" of 2/3/4/5, "是" of 是/否).
            return letters().contains(letter) ? letter : byOptionText(text);
        }
        for (List<Pattern> tier : List.of(BOXED, STATEMENTS, MARKS)) {
            TreeSet<String> found = new TreeSet<>();
            for (Pattern p : tier) {
                Matcher m = p.matcher(text);
                while (m.find()) {
                    if (letters().contains(m.group(1)) && !(tier == STATEMENTS && isWord(text, m))) {
                        found.add(m.group(1));
                    }
                }
            }
            if (!found.isEmpty()) {
                return found.size() == 1 ? found.first() : null;
            }
        }
        return byOptionText(text);
    }

    /**
     * The answer without the model's thinking: whole {@code <think>...</think>} blocks, what comes before a closing
     * tag left alone (DeepSeek-R1's template opens the block in the prompt, so the answer holds only its end), and
     * what follows an opening tag never closed (the answer was cut off while it still thought: there is no answer).
     */
    private static String withoutThinking(String answer) {
        String text = THINKING.matcher(answer).replaceAll("");
        int close = text.lastIndexOf("</think>");
        if (close >= 0) {
            text = text.substring(close + "</think>".length());
        }
        int open = text.indexOf("<think>");
        return open >= 0 ? text.substring(0, open) : text;
    }

    private static boolean isWord(String text, Matcher m) {
        String letter = m.group(1);
        return (letter.equals("A") || letter.equals("I"))
                && WORD_AFTER_ARTICLE.matcher(text).region(m.end(1), text.length()).lookingAt();
    }

    /** The letter {@code label} names: read like an answer, or an index into an option list. */
    String readLabel(String label) {
        String l = label.strip();
        if (optionsAreList && l.matches("\\d{1,2}")) {
            int i = Integer.parseInt(l);
            return i < options.size() ? String.valueOf((char) ('A' + i)) : null;
        }
        return l.isEmpty() ? null : read(l);
    }

    private String byOptionText(String text) {
        String answer = Scorer.normalize(text);
        List<Map.Entry<String, String>> hits = new ArrayList<>();
        for (Map.Entry<String, String> option : options.entrySet()) {
            String o = Scorer.normalize(option.getValue());
            if (!o.isEmpty() && occursAsWords(answer, o)) {
                hits.add(Map.entry(option.getKey(), o));
            }
        }
        TreeSet<String> kept = new TreeSet<>();
        for (Map.Entry<String, String> hit : hits) {
            boolean insideLonger = hits.stream().anyMatch(other -> other.getValue().length() > hit.getValue().length()
                    && other.getValue().contains(hit.getValue()));
            if (!insideLonger) {
                kept.add(hit.getKey());
            }
        }
        return kept.size() == 1 ? kept.first() : null;
    }

    /**
     * Whether {@code option} occurs in {@code answer} as whole words: not run on into the word around it, so the
     * option "no" is not found in "diagnosis" nor "4" in "14" ({@link #joined}).
     */
    private static boolean occursAsWords(String answer, String option) {
        for (int at = answer.indexOf(option); at >= 0; at = answer.indexOf(option, at + 1)) {
            int end = at + option.length();
            boolean startsClean = at == 0 || !joined(answer.codePointBefore(at), option.codePointAt(0));
            boolean endsClean = end == answer.length()
                    || !joined(option.codePointBefore(option.length()), answer.codePointAt(end));
            if (startsClean && endsClean) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether two characters side by side are of one word: two digits ("14", but "4cm" is 4), or two letters of a
     * script that writes its words apart and whole (Latin, Greek, Cyrillic, Armenian, Georgian). In the others an
     * option's text counts wherever it is: Chinese, Japanese and Thai put no space between words, and Korean, Arabic
     * and Hebrew join particles and prefixes to the word ("서울입니다", "والقاهرة").
     */
    private static boolean joined(int a, int b) {
        return Character.isDigit(a) && Character.isDigit(b) || spacedLetter(a) && spacedLetter(b);
    }

    /** A letter of a script that writes its words apart (see {@link #joined}); {@link Scorer}'s contains asks too. */
    static boolean spacedLetter(int codePoint) {
        if (!Character.isLetter(codePoint)) {
            return false;
        }
        Character.UnicodeScript script = Character.UnicodeScript.of(codePoint);
        return script == Character.UnicodeScript.LATIN || script == Character.UnicodeScript.GREEK
                || script == Character.UnicodeScript.CYRILLIC || script == Character.UnicodeScript.ARMENIAN
                || script == Character.UnicodeScript.GEORGIAN;
    }
}
