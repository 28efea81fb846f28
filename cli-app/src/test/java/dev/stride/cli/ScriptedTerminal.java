package dev.stride.cli;

import java.util.ArrayList;
import java.util.List;

/** A terminal where a person types {@code answer} (null: presses Ctrl+D) to every question; keeps the questions. */
final class ScriptedTerminal implements Terminal {
    final List<String> questions = new ArrayList<>();
    private final String answer;

    ScriptedTerminal(String answer) {
        this.answer = answer;
    }

    @Override
    public boolean present() {
        return true;
    }

    @Override
    public String ask(String question) {
        questions.add(question);
        return answer;
    }
}
