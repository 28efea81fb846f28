package dev.stride.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.stride.core.InvalidSettingException;
import dev.stride.core.NearNames;
import dev.stride.core.Phrased;
import dev.stride.core.Utf8Reader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code stride run --config stride.yaml}: a YAML mapping whose keys are the long options without their dashes
 * ({@code model}, {@code base-url}, {@code max-tokens}...) plus {@code input}. A value set on the command line wins;
 * the file fills in the rest (headers and parameters by name: the command line's replace the file's of the same name
 * and add to the others). Lists are YAML sequences (one value is also accepted); {@code param} may be a mapping
 * of request fields to any YAML value, {@code headers} a mapping of header names to values ({@code ${VAR}} read from
 * the environment).
 *
 * <pre>
 * input: questions.csv
 * db: runs.db
 * model: qwen-medical-lora-251106-f16
 * base-url: [http://gpu1:8000/v1, http://gpu2:8000/v1]
 * template: "Answer briefly: {{question}}"
 * max-tokens: 256
 * param: {guided_json: {type: object}}
 * headers: {api-key: "${AZURE_OPENAI_API_KEY}"}
 * </pre>
 */
final class ConfigFile {
    /** A key written twice is refused (YAML's last-one-wins would choose, say, the model for the user). */
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
    /** Jackson's words for a key given twice, the key in them. */
    private static final Pattern KEY_TWICE = Pattern.compile("Duplicate field '(.*)'");

    private final Path file;
    /** The line of each top-level key as the file writes it, once read: a refusal names the line as well. */
    private final Map<String, Integer> keyLines = new HashMap<>();

    ConfigFile(Path file) {
        this.file = file;
    }

    /**
     * Where the file sets {@code key} (as the file writes it), for a refusal's first words: the file and the line, or
     * the file alone for a key it does not have.
     */
    Object at(String key) {
        Integer line = key == null ? null : keyLines.get(key);
        return line == null ? file : Messages.text("msg.config.at", file, line);
    }

    /**
     * Sets every option of {@code spec} the file names and the command line left out; {@code input} goes to its own
     * setter. Returns the settings it set: each option's name without dashes, to the key as the file writes it, so
     * that a refusal of one of them can name the file and the key.
     */
    Map<String, String> applyTo(CommandSpec spec, Consumer<String> input) {
        return applyTo(spec, input, Set.of());
    }

    /**
     * As {@link #applyTo(CommandSpec, Consumer)}, passing over the keys in {@code elsewhere} that {@code spec} has no
     * option for: another command's settings (run's model, template...) in the file that command reads too.
     */
    Map<String, String> applyTo(CommandSpec spec, Consumer<String> input, Set<String> elsewhere) {
        return applyTo(spec, input, elsewhere, null);
    }

    /**
     * As {@link #applyTo(CommandSpec, Consumer, Set)}, setting only the options named in {@code taken} (all when
     * null): a command whose other options share run's names but mean other things (export's --format is the file it
     * writes, run's the one it reads) takes no more than the database and the run from run's file.
     */
    Map<String, String> applyTo(CommandSpec spec, Consumer<String> input, Set<String> elsewhere, Set<String> taken) {
        JsonNode root = read();
        Map<String, String> set = new LinkedHashMap<>();
        ParseResult given = spec.commandLine().getParseResult();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey().startsWith("--") ? e.getKey().substring(2) : e.getKey();
            if (key.equals("headers")) {
                key = "header";
            }
            JsonNode value = e.getValue();
            if (key.equals("input")) {
                input.accept(scalar(key, value));
                continue;
            }
            OptionSpec option = spec.findOption("--" + key);
            if ((option == null || taken != null && !taken.contains(key)) && elsewhere.contains(key)) {
                continue;
            }
            if (option == null || key.equals("config") || option.usageHelp() || option.versionHelp()
                    || option.hidden()) {
                throw unknownSetting(spec, key, e.getKey(), elsewhere);
            }
            if (given.hasMatchedOption(option)) {
                if (key.equals("header") || key.equals("param")) {
                    // Each names what it sets: the file's others stay (an API key in the file was dropped without a
                    // word by one --header given for something else); the command line's win for the same name.
                    option.setValue(merged(key, asList(convert(option, key, value)), option.getValue()));
                }
                continue;
            }
            try {
                option.setValue(convert(option, key, value));
            } catch (TypeConversionException | IllegalArgumentException e2) {
                throw UserError.usageOf("msg.config.badSetting", at(e.getKey()), e.getKey(), e2);
            }
            set.put(key, e.getKey());
        }
        return set;
    }

    /** The file's {@code --header}s or {@code --param}s the command line does not name, then the command line's. */
    private static List<String> merged(String key, List<String> fromFile, List<String> given) {
        Set<String> named = new HashSet<>();
        given.forEach(v -> named.add(nameOf(key, v)));
        List<String> all = new ArrayList<>();
        fromFile.stream().filter(v -> !named.contains(nameOf(key, v))).forEach(all::add);
        all.addAll(given);
        return all;
    }

    /** A header's name (case does not matter to HTTP) or a parameter's key; the whole value when it has none. */
    private static String nameOf(String key, String value) {
        int at = value.indexOf(key.equals("header") ? ':' : '=');
        String name = (at < 0 ? value : value.substring(0, at)).trim();
        return key.equals("header") ? name.toLowerCase(Locale.ROOT) : name;
    }

    @SuppressWarnings("unchecked")
    private static List<String> asList(Object converted) {
        return (List<String>) converted;
    }

    private JsonNode read() {
        JsonNode root;
        String text = text();
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw notYaml(e);
        }
        readKeyLines(text);
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw UserError.usageOf("msg.config.empty", file);
        }
        if (!root.isObject()) {
            throw UserError.usageOf("msg.config.notMapping", file);
        }
        return root;
    }

    /** The top-level keys' lines, from the YAML parser's own places (comments and blank lines counted). */
    private void readKeyLines(String text) {
        try (JsonParser parser = YAML.getFactory().createParser(text)) {
            int depth = 0;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token.isStructStart()) {
                    depth++;
                } else if (token.isStructEnd()) {
                    depth--;
                } else if (token == JsonToken.FIELD_NAME && depth == 1) {
                    keyLines.putIfAbsent(parser.currentName(), parser.currentTokenLocation().getLineNr());
                }
            }
        } catch (IOException e) {
            // Read whole once already: a second reading that fails only leaves the refusals without their lines.
        }
    }

    /** The file's text; bytes that are not UTF-8 are named by line and column. */
    private String text() {
        try (Reader in = new Utf8Reader(Files.newInputStream(file))) {
            StringWriter text = new StringWriter();
            in.transferTo(text);
            return text.toString();
        } catch (NoSuchFileException e) {
            throw UserError.usageOf("msg.config.noSuchFile", file);
        } catch (Utf8Reader.NotUtf8 e) {
            throw UserError.usageOf("msg.config.notUtf8", file, e.line(), e.column());
        } catch (AccessDeniedException e) {
            // Its message is the file's name alone: the reason is said as the operating system words it.
            throw UserError.usageOf("msg.config.cannotRead", file, "Permission denied");
        } catch (IOException e) {
            throw UserError.usageOf("msg.config.cannotRead", file, e.getMessage());
        }
    }

    /**
     * Where and why the file is not YAML, from the YAML parser's (SnakeYAML's) problem and its place; Jackson's own
     * message, which adds its parser's source and states, is never shown.
     */
    private UserError notYaml(JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                Mark at = marked.getProblemMark();
                Mark start = marked.getContextMark();
                Object problem = yamlProblem(marked.getProblem());
                String context = marked.getContext() == null ? "" : marked.getContext();
                String inside = context.contains("flow sequence") ? "msg.config.yaml.inList"
                        : context.contains("flow mapping") ? "msg.config.yaml.inMapping"
                        : context.contains("quoted scalar") ? "msg.config.yaml.inQuotes" : null;
                if (inside != null && start != null) {
                    problem = Messages.text(inside, problem, start.getLine() + 1, start.getColumn() + 1);
                }
                return UserError.usageOf("msg.config.notYamlAt", file, at.getLine() + 1, at.getColumn() + 1, problem);
            }
        }
        JsonLocation at = e.getLocation();
        Matcher twice = KEY_TWICE.matcher(String.valueOf(e.getOriginalMessage()));
        if (twice.matches() && at != null && at.getLineNr() > 0) {
            return UserError.usageOf("msg.config.keyTwice", file, at.getLineNr(), twice.group(1));
        }
        return at == null || at.getLineNr() < 1 ? UserError.usageOf("msg.config.notYaml", file)
                : UserError.usageOf("msg.config.notYamlAt", file, at.getLineNr(), at.getColumnNr(),
                        Messages.text("msg.config.yaml.unreadable"));
    }

    /** The YAML parser's problem, with its markers ({@code <stream end>}) in words, or in ours for the common two. */
    private static Object yamlProblem(String problem) {
        if (problem == null) {
            return Messages.text("msg.config.yaml.unreadable");
        }
        if (problem.startsWith("mapping values are not allowed")) {
            return Messages.text("msg.config.yaml.colon");
        }
        if (problem.contains("(TAB)")) {
            return Messages.text("msg.config.yaml.tab");
        }
        return problem.replace("<stream end>", "the end of the file").replace("end of stream", "end of the file")
                .replace("<block end>", "the end of the indented block").replaceAll("<([^<>]+)>", "'$1'");
    }

    private Object convert(OptionSpec option, String key, JsonNode value) {
        Class<?> type = option.type();
        if (List.class.isAssignableFrom(type)) {
            List<String> values = new ArrayList<>();
            if (key.equals("param") && value.isObject()) {
                value.fields().forEachRemaining(p -> values.add(p.getKey() + "=" + p.getValue().toString()));
            } else if (key.equals("header") && value.isObject()) {
                value.fields().forEachRemaining(h -> values.add(h.getKey() + ": " + scalar(key, h.getValue())));
            } else if (value.isArray()) {
                value.forEach(v -> values.add(scalar(key, v)));
            } else {
                values.add(scalar(key, value));
            }
            return values;
        }
        String text = scalar(key, value);
        if (type != String.class && value.isFloatingPointNumber() && value.canConvertToExactIntegral()) {
            // YAML reads 1e3 as the float 1000.0: a whole number all the same, as the user meant it. (Not for a
            // text setting, whose 1.0 means what it says.)
            text = value.decimalValue().toBigIntegerExact().toString();
        }
        // An option with a converter of its own (--concurrency: a number or auto; --max-concurrency; a duration)
        // converts the file's value as it does the command line's, with the same words for a bad one.
        if (option.converters().length > 0) {
            try {
                return option.converters()[0].convert(text);
            } catch (Exception e) {
                if (e instanceof Phrased p && p.phrase() != null) {
                    throw new InvalidSettingException(p.phrase(), e);
                }
                throw new InvalidSettingException(Messages.text("msg.config.notSettable"), e);
            }
        }
        if (type == String.class) {
            return text;
        }
        if (type == boolean.class || type == Boolean.class) {
            if (!value.isBoolean()) {
                throw new InvalidSettingException(Messages.text("msg.config.notBoolean", text), null);
            }
            return value.asBoolean();
        }
        try {
            if (type == int.class || type == Integer.class) {
                return Integer.valueOf(number(text));
            }
            if (type == long.class || type == Long.class) {
                return Long.valueOf(number(text));
            }
        } catch (NumberFormatException e) {
            // Digits only, yet beyond what the option holds.
            long nearest = ParseErrorHandler.nearestInRange(type, text);
            throw new InvalidSettingException(Messages.text(nearest < 0 ? "msg.config.tooSmall" : "msg.config.tooLarge",
                    text, nearest), e);
        }
        if (type == double.class || type == Double.class) {
            try {
                return Double.valueOf(text);
            } catch (NumberFormatException e) {
                throw new InvalidSettingException(Messages.text("msg.config.notNumber", text), e);
            }
        }
        if (type == Path.class) {
            return Path.of(text);
        }
        throw new InvalidSettingException(Messages.text("msg.config.notSettable"), null);
    }

    private static String number(String text) {
        if (!text.matches("-?\\d+")) {
            throw new InvalidSettingException(Messages.text("msg.config.notWholeNumber", text), null);
        }
        return text;
    }

    /** The key as the file writes it for the option {@code key}: with its dashes, or {@code headers}; else null. */
    private String writtenKey(String key) {
        for (String written : List.of(key, "--" + key, key + "s")) {
            if (keyLines.containsKey(written)) {
                return written;
            }
        }
        return null;
    }

    private String scalar(String key, JsonNode value) {
        if (value.isContainerNode()) {
            if (key.equals("param")) {
                return value.toString();
            }
            throw UserError.usageOf("msg.config.oneValue", at(writtenKey(key)), key, value);
        }
        return value.isNull() ? "" : value.asText();
    }

    /**
     * A key no option has, with the settings it most likely meant: "without dashes" was read as {@code baseurl} for
     * {@code base-url}, and {@code max-token} is a slip of {@code max-tokens}.
     */
    private UserError unknownSetting(CommandSpec spec, String key, String written, Set<String> elsewhere) {
        Set<String> settings = new LinkedHashSet<>(List.of("input", "headers"));
        for (OptionSpec o : spec.options()) {
            if (!o.usageHelp() && !o.versionHelp() && !o.hidden() && o.longestName().startsWith("--")
                    && !o.longestName().equals("--config")) {
                settings.add(o.longestName().substring(2));
            }
        }
        // Run's settings too, in the file another command reads: 'modle' is a slip of run's model all the same.
        elsewhere.stream().filter(k -> !k.equals("config")).sorted().forEach(settings::add);
        List<String> near = NearNames.of(key, settings);
        if (near.isEmpty()) {
            near = settings.stream().filter(n -> n.replace("-", "").equals(key.replace("-", ""))).toList();
        }
        return near.isEmpty() ? UserError.usageOf("msg.config.unknownSetting", at(written), key)
                : UserError.usageOf("msg.config.unknownSettingNear", at(written), key, String.join(", ", near));
    }
}
