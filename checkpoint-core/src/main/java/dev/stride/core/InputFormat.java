package dev.stride.core;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The input formats stride reads. Each may be gzip-compressed (recognised by its first bytes, whatever its name).
 * An OpenAI Batch / {@code vllm run-batch} request file is JSONL: its records are recognised by their
 * {@code custom_id} and {@code body}.
 */
public enum InputFormat {
    /** One JSON object per line. */
    JSONL,
    /** One JSON array of objects. */
    JSON,
    /** Comma-separated, with a header row; every value is text. */
    CSV,
    /** Tab-separated, with a header row; every value is text. */
    TSV;

    /** The format named by {@code --format}. @throws IllegalArgumentException naming the choices */
    public static InputFormat named(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.equals("NDJSON")) {
            return JSONL;
        }
        for (InputFormat f : values()) {
            if (f.name().equals(n)) {
                return f;
            }
        }
        throw new InvalidSettingException(Phrase.core("setting.unknownFormat", name,
                Arrays.stream(values()).map(f -> f.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "))), null);
    }

    /** The format a file's name implies ({@code .gz} looked through); JSONL when the name says nothing. */
    public static InputFormat of(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) {
            name = name.substring(0, name.length() - 3);
        }
        if (name.endsWith(".csv")) {
            return CSV;
        }
        if (name.endsWith(".tsv") || name.endsWith(".tab")) {
            return TSV;
        }
        if (name.endsWith(".json")) {
            return JSON;
        }
        return JSONL;
    }
}
