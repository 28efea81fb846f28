package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Each metric on the answers models really give, and the settings a user can get wrong. */
class ScorerTest {
    private static final Scorer EXACT = Scorer.of(Metric.EXACT, null);
    private static final Scorer NORMALIZED = Scorer.of(Metric.NORMALIZED, null);
    private static final Scorer CONTAINS = Scorer.of(Metric.CONTAINS, null);
    private static final Scorer CHOICE = Scorer.of(Metric.CHOICE, null);
    private static final String OPTIONS = "{\"question\":\"First-line drug?\",\"options\":{\"A\":\"Heparin\","
            + "\"B\":\"Warfarin\",\"C\":\"Aspirin\",\"D\":\"Aspirin and clopidogrel\"},\"answer\":\"C\"}";

    @Test
    void metricsParseByTheirLowerCaseNamesAndAnUnknownOneListsThem() {
        assertThat(Metric.parse("choice")).isEqualTo(Metric.CHOICE);
        assertThat(Metric.parse(" Normalized ")).isEqualTo(Metric.NORMALIZED);
        assertThat(Metric.REGEX.id()).isEqualTo("regex");
        assertThatThrownBy(() -> Metric.parse("f1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown metric \"f1\": use one of exact, normalized, contains, choice, regex");
        assertThat(((InvalidSettingException) catchIllegal(() -> Metric.parse("f1"))).phrase().in(Locale.CHINESE))
                .startsWith("未知的评分方式 \"f1\"");
    }

    @Test
    void exactTrimsSurroundingWhitespaceOnly() {
        assertThat(EXACT.score("  Aspirin\n", "Aspirin", null)).isEqualTo(new Verdict(true, true, "Aspirin"));
        assertThat(EXACT.score("aspirin", "Aspirin", null).correct()).isFalse();
        assertThat(EXACT.score("Aspirin.", "Aspirin", null).correct()).isFalse();
        assertThat(EXACT.score("Aspirin", " Aspirin ", null).correct()).isTrue();
    }

    @Test
    void normalizedIgnoresCaseInnerWhitespaceSurroundingPunctuationAndFullWidthForms() {
        assertThat(NORMALIZED.score("  **Acute   MI.**\n", "acute mi", null)).isEqualTo(new Verdict(true, true,
                "acute mi"));
        assertThat(NORMALIZED.score("Ａｓｐｉｒｉｎ。", "aspirin", null).correct()).isTrue();
        assertThat(NORMALIZED.score("（Ｃ）", "C", null).correct()).isTrue();
        assertThat(NORMALIZED.score("阿司匹林　", "阿司匹林", null).correct()).isTrue();
        assertThat(NORMALIZED.score("\"Yes\"", "yes", null).correct()).isTrue();
        // Inner punctuation and symbols are part of the answer.
        assertThat(NORMALIZED.score("C++", "c", null).correct()).isFalse();
        assertThat(NORMALIZED.score("acute-MI", "acute mi", null).correct()).isFalse();
        assertThat(NORMALIZED.score("acute myocardial infarction", "acute mi", null).correct()).isFalse();
    }

    @Test
    void containsLooksForTheNormalizedLabelInTheNormalizedAnswer() {
        assertThat(CONTAINS.score("The diagnosis is ACUTE  MI, given the ECG.", "acute mi", null).correct()).isTrue();
        assertThat(CONTAINS.score("It is Ａｓｐｉｒｉｎ", "aspirin.", null).correct()).isTrue();
        assertThat(CONTAINS.score("Heparin", "aspirin", null)).isEqualTo(new Verdict(false, true, "heparin"));
        assertThat(CONTAINS.score("anything", "  ", null).correct()).as("an empty label is never contained").isFalse();
    }

    @Test
    void labelsAreTheSameAsTheMetricReadsThem() {
        String listed = "{\"options\":[\"Heparin\",\"Warfarin\"]}";
        assertThat(Scorer.of(Metric.CHOICE, null).sameLabel(" B ", null, "B", null)).isTrue();
        assertThat(Scorer.of(Metric.CHOICE, null).sameLabel("(b)", null, "B", null)).isTrue();
        assertThat(Scorer.of(Metric.CHOICE, null).sameLabel("1", listed, "B", listed)).isTrue();
        assertThat(Scorer.of(Metric.CHOICE, null).sameLabel("A", null, "B", null)).isFalse();
        assertThat(NORMALIZED.sameLabel("Aspirin.", null, "aspirin", null)).isTrue();
        assertThat(CONTAINS.sameLabel("Aspirin", null, "heparin", null)).isFalse();
        assertThat(Scorer.of(Metric.EXACT, null).sameLabel(" B ", null, "B", null)).isTrue();
        assertThat(Scorer.of(Metric.EXACT, null).sameLabel("b", null, "B", null)).isFalse();
    }

    @Test
    void containsFindsTheLabelAsAWholeWordNotInsideAnother() {
        // A one-letter label was found in "answer": a wrong answer scored right.
        assertThat(CONTAINS.score("The answer is B.", "A", null).correct()).isFalse();
        assertThat(CONTAINS.score("Answer: B) optB13", "A", null).correct()).isFalse();
        assertThat(CONTAINS.score("Answer: B) optB13", "B", null).correct()).isTrue();
        assertThat(CONTAINS.score("The answer is B.", "b", null).correct()).isTrue();
        assertThat(CONTAINS.score("(A)", "A", null).correct()).isTrue();
        assertThat(CONTAINS.score("It costs 14 dollars", "4", null).correct()).isFalse();
        assertThat(CONTAINS.score("It costs 4 dollars", "4", null).correct()).isTrue();
        assertThat(CONTAINS.score("Aspirins", "aspirin", null).correct()).isFalse();
        assertThat(CONTAINS.score("aspirin and aspirins", "aspirin", null).correct()).as("a later whole one").isTrue();
        assertThat(CONTAINS.score("Give aspirin, then heparin.", "aspirin, then", null).correct()).isTrue();
        // Words written without spaces between them: the label counts beside them.
        assertThat(CONTAINS.score("答案是B。", "B", null).correct()).isTrue();
        assertThat(CONTAINS.score("应给予阿司匹林治疗", "阿司匹林", null).correct()).isTrue();
    }

    @Test
    void aBlankAnswerIsUnparsedUnderEveryMetric() {
        for (Metric m : Metric.values()) {
            Scorer s = Scorer.of(m, m == Metric.REGEX ? "(\\d+)" : null);
            assertThat(s.score("  \n", "", null)).as(m.id()).isEqualTo(new Verdict(false, false, null));
            assertThat(s.score(null, "C", null)).as(m.id()).isEqualTo(new Verdict(false, false, null));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"C", "c", " C\n", "(C)", "C.", "C)", "**C**", "**C.** Aspirin", "Ｃ", "（C）",
            "The answer is C", "The answer is C.", "the correct answer is (C).", "Answer: C) Aspirin",
            "Answer: **C**", "ANSWER: C", "Final answer: C", "The best option is C because it inhibits COX.",
            "Option C", "C is correct.", "I think C is the right one.\n\nAnswer: C", "答案：C", "答案: C", "答案是C",
            "答案是 C。", "正确答案为（C）", "选C", "故选：C", "应选C", "选项C正确", "C正确", "【C】",
            "Let me think.\nC. Aspirin", "Aspirin", "The drug of choice is aspirin.", "ａｓｐｉｒｉｎ",
            "<think>A or B? Not A, not B.</think>\nThe answer is C", "[C]", "\\boxed{C}",
            "Final Answer: The final answer is $\\boxed{C}$", "$\\boxed{\\text{C}}$",
            "Heparin (A) acts at once, but the answer is $\\boxed{C}$.",
            "Option A: heparin, too slow. Option C: aspirin, right.\n\n**Final answer:** $\\boxed{C}$"})
    void choiceFindsTheLetterHoweverTheModelPhrasesIt(String answer) {
        assertThat(CHOICE.score(answer, "C", OPTIONS)).isEqualTo(new Verdict(true, true, "C"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"The answer is B", "B", "答案：B", "(B) Warfarin", "Warfarin", "选B"})
    void aDifferentChoiceIsParsedAndWrong(String answer) {
        assertThat(CHOICE.score(answer, "C", OPTIONS)).isEqualTo(new Verdict(false, true, "B"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"I am not sure.", "Either (B) or (C).", "Answer: B. No wait, answer: C.",
            "答案：B 或者 答案：C", "Heparin or warfarin", "The answer is E", "Z", "Both A. and C.",
            "**B** and **C**"})
    void noChoiceOrTwoDifferentOnesIsUnparsed(String answer) {
        assertThat(CHOICE.score(answer, "C", OPTIONS)).isEqualTo(new Verdict(false, false, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Answer: A patient with this history should take aspirin.",
            "The answer is A 45-year-old man's best drug, aspirin.", "Answer: I would give aspirin."})
    void theArticleAOrThePronounIAfterAnswerIsAWordNotALetter(String answer) {
        assertThat(CHOICE.score(answer, "C", OPTIONS)).isEqualTo(new Verdict(true, true, "C"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"The answer is A because heparin acts at once.", "Answer: A", "Answer: A) Heparin",
            "The answer is A, heparin."})
    void theLetterAStillReadsAsALetterWhereItIsOne(String answer) {
        assertThat(CHOICE.score(answer, "A", OPTIONS)).isEqualTo(new Verdict(true, true, "A"));
    }

    @Test
    void anOptionTextInsideALongerMatchingOneGivesWayToIt() {
        assertThat(CHOICE.score("Aspirin and clopidogrel together", "D", OPTIONS).extracted()).isEqualTo("D");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Yes, the diagnosis is confirmed by biopsy.", "Yes, as is well known.",
            "Yes, it improves the prognosis.", "yes; it cannot hurt to ask now"})
    void anOptionTextIsFoundAsWholeWordsNotInsideLongerOnes(String answer) {
        String yesNo = "{\"q\":\"?\",\"options\":[\"yes\",\"no\",\"maybe\"],\"answer\":\"yes\"}";
        assertThat(CHOICE.score(answer, "yes", yesNo)).isEqualTo(new Verdict(true, true, "A"));
    }

    @Test
    void aOneCharacterAnswerOrLabelThatIsAnOptionsTextReadsAsThatOption() {
        String numbers = "{\"q\":\"Chambers of the heart?\",\"choices\":{\"A\":\"2\",\"B\":\"3\",\"C\":\"4\","
                + "\"D\":\"5\"},\"answer\":\"C\"}";
        assertThat(CHOICE.score("4", "C", numbers)).isEqualTo(new Verdict(true, true, "C"));
        assertThat(CHOICE.score("4.", "4", numbers)).as("a label given as the option's text").isEqualTo(
                new Verdict(true, true, "C"));
        assertThat(CHOICE.score("是", "A", "{\"options\":{\"A\":\"是\",\"B\":\"否\"}}"))
                .isEqualTo(new Verdict(true, true, "A"));
        assertThat(CHOICE.score("7", "C", numbers).parsed()).as("no option says 7").isFalse();
        assertThat(CHOICE.score("E", "E", numbers).parsed()).as("E is not among the record's").isFalse();
    }

    @Test
    void theModelsThinkingIsNotReadEvenWhenOnlyOneOfItsTagsIsInTheAnswer() {
        assertThat(CHOICE.score("Option A is an anticoagulant, so is B.\n</think>\n\nThe answer is C", "C", OPTIONS))
                .as("the template opened the block in the prompt").isEqualTo(new Verdict(true, true, "C"));
        assertThat(CHOICE.score("<think>\nThe answer is A? No, heparin is for", "C", OPTIONS))
                .as("cut off while thinking: no answer").isEqualTo(new Verdict(false, false, null));
    }

    @Test
    void optionTextsInScriptsWithoutSpacesAreFoundAnywhere() {
        String zh = "{\"q\":\"?\",\"options\":{\"A\":\"肝脏\",\"B\":\"胰腺\"},\"answer\":\"B\"}";
        assertThat(CHOICE.score("我认为是胰腺。", "B", zh)).isEqualTo(new Verdict(true, true, "B"));
        assertThat(CHOICE.score("No, it is not associated.", "no",
                "{\"options\":[\"yes\",\"no\",\"maybe\"]}")).isEqualTo(new Verdict(true, true, "B"));
        // Korean and Arabic join particles and prefixes to the word: the option is read inside it.
        String ko = "{\"options\":[\"서울\",\"부산\",\"대구\",\"인천\"]}";
        assertThat(CHOICE.score("정답은 서울입니다.", "A", ko)).isEqualTo(new Verdict(true, true, "A"));
        assertThat(CHOICE.score("서울이 한국의 수도입니다.", "A", ko)).isEqualTo(new Verdict(true, true, "A"));
        assertThat(CHOICE.score("والقاهرة", "A", "{\"options\":[\"القاهرة\",\"دمشق\"]}"))
                .isEqualTo(new Verdict(true, true, "A"));
        // A number stops at a letter, not at another digit.
        String numbers = "{\"options\":[\"2\",\"3\",\"4\",\"5\"]}";
        assertThat(CHOICE.score("The length is 4cm.", "C", numbers)).isEqualTo(new Verdict(true, true, "C"));
        assertThat(CHOICE.score("It is 14", "C", numbers).parsed()).isFalse();
    }

    @Test
    void choiceReadsTheUsualOptionShapesAndLabels() {
        String list = "{\"q\":\"?\",\"choices\":[\"Heparin\",\"Warfarin\",\"Aspirin\"],\"answer\":2}";
        assertThat(CHOICE.score("aspirin", "2", list)).isEqualTo(new Verdict(true, true, "C"));
        assertThat(CHOICE.score("C", "Aspirin", list).correct()).as("a label given as the option's text").isTrue();
        String arc = "{\"choices\":{\"label\":[\"A\",\"B\",\"C\"],\"text\":[\"Heparin\",\"Warfarin\",\"Aspirin\"]}}";
        assertThat(CHOICE.score("It has to be warfarin", "B", arc).correct()).isTrue();
        String fields = "{\"question\":\"?\",\"A\":\"Heparin\",\"B\":\"Warfarin\",\"C\":\"Aspirin\",\"D\":\"None\"}";
        assertThat(CHOICE.score("heparin", "A", fields).correct()).isTrue();
        assertThat(CHOICE.score("(c)", "(C)", null).correct()).as("no options: letters A to J").isTrue();
        assertThat(CHOICE.score("The answer is J", "J", null).correct()).isTrue();
        assertThat(CHOICE.score("The answer is E", "E", fields).parsed()).as("E is not among the record's").isFalse();
        assertThat(CHOICE.score("C", "C", "not json").correct()).isTrue();
    }

    @Test
    void regexComparesTheFirstGroupOrTheWholeMatchExactly() {
        Scorer group = Scorer.of(Metric.REGEX, "dose: (\\d+) ?mg");
        assertThat(group.score("The dose: 75 mg daily", "75", null)).isEqualTo(new Verdict(true, true, "75"));
        assertThat(group.score("The dose: 750 mg daily", "75", null)).isEqualTo(new Verdict(false, true, "750"));
        assertThat(group.score("no dose given", "75", null)).isEqualTo(new Verdict(false, false, null));
        Scorer whole = Scorer.of(Metric.REGEX, "\\d+");
        assertThat(whole.score("about 42 or 43", "42", null)).isEqualTo(new Verdict(true, true, "42"));
        assertThat(whole.extractRegex()).isEqualTo("\\d+");
    }

    @Test
    void aBadRegexOrAMissingOneIsAOneLineError() {
        assertThatThrownBy(() -> Scorer.of(Metric.REGEX, "dose: (\\d+"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--extract dose: (\\d+ is not a valid regular expression: Unclosed group")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> Scorer.of(Metric.REGEX, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs --extract");
        assertThatThrownBy(() -> Scorer.of(Metric.CHOICE, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--extract is only used by the regex metric");
    }

    private static IllegalArgumentException catchIllegal(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            return e;
        }
        throw new AssertionError("no exception");
    }

    /**
     * The one-pass normalization of ASCII text gives what the definition's expressions give: every ASCII character
     * alone, at either end and inside, and many random texts of them (spaces, punctuation, symbols, letters and the
     * control characters among them), plus texts that leave ASCII at an end or inside.
     */
    @Test
    void normalizingAsciiInOnePassGivesWhatTheExpressionsGive() {
        List<String> texts = new ArrayList<>();
        for (char c = 0; c < 128; c++) {
            String one = String.valueOf(c);
            texts.addAll(List.of(one, one + "Ab", "Ab" + one, "A" + one + "b", one + one + "x" + one + one));
        }
        String alphabet = " \t\n\u000b\f\r\u001c\u001f.,;:!?'\"()[]{}-_/\\@#%&*$+<=>^`|~0123456789AbCdEfXyZ";
        Random random = new Random(20261206);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder text = new StringBuilder();
            for (int k = random.nextInt(12); k > 0; k--) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            texts.add(text.toString());
        }
        texts.addAll(List.of("é", " Aspirin é ", "\u00a0Aspirin", "Aspirin\u00a0", "Ａｓｐｉｒｉｎ，", "«B»", "B\u2019s",
                "x\u0085y", "\u2028 B"));
        for (String text : texts) {
            assertThat(Scorer.normalize(text)).as("'%s'", text).isEqualTo(Scorer.normalizeByExpressions(text));
        }
    }
}
