package dev.stride.cli;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;

/**
 * Which of stride's commands a first argument names, read from the commands' {@code @Command} annotations alone (names
 * and aliases), without building any of them.
 */
final class CommandNames {
    /** Tools around the commands: they look at the whole tree, so they get it. */
    private static final Set<String> WHOLE_TREE = Set.of("help", "generate-completion");

    private CommandNames() {
    }

    /** The command class that {@code word} names, or null when it names none of them (or a tool). */
    static Class<?> commandNamed(String word) {
        return byName().get(word);
    }

    private static Map<String, Class<?>> byName() {
        Map<String, Class<?>> names = new HashMap<>();
        for (Class<?> type : StrideCommand.SUBCOMMANDS) {
            Command command = type.getAnnotation(Command.class);
            if (WHOLE_TREE.contains(command.name())) {
                continue;
            }
            names.put(command.name(), type);
            for (String alias : command.aliases()) {
                names.put(alias, type);
            }
        }
        return names;
    }
}
