package dev.stride.app;

import static dev.stride.app.Inputs.count;
import static dev.stride.app.Inputs.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java example, exactly as it is written there, compiled against this module alone (no picocli on the
 * class path) and run twice against the simulator: it starts the run, then finds its checkpoint.
 */
class JavaApiExampleTest {
    private static final Pattern EXAMPLE = Pattern.compile("## Java API\\n.*?```java\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    @Test
    void theReadmesExampleCompilesAndRunsAgainstTheSimulator() throws Exception {
        Matcher m = EXAMPLE.matcher(Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8));
        assertThat(m.find()).as("a java block under '## Java API' in README.md").isTrue();
        Path source = Files.createDirectories(dir.resolve("src")).resolve("Answers.java");
        Files.writeString(source, m.group(1), StandardCharsets.UTF_8);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        boolean compiled = javac.getTask(diagnostics, null, null, List.of("-d", classes.toString(), "-classpath",
                System.getProperty("java.class.path")), null,
                javac.getStandardFileManager(null, null, StandardCharsets.UTF_8).getJavaFileObjects(source)).call();
        assertThat(compiled).as(diagnostics.toString()).isTrue();

        Path db = dir.resolve("runs.db");
        Path input = questions(dir, "questions.jsonl", 12);
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build()).start(0);
             URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                     getClass().getClassLoader())) {
            Method main = loader.loadClass("Answers").getMethod("main", String[].class);
            String[] args = {db.toString(), input.toString(), sim.url()};

            assertThat(printed(main, args)).isEqualTo("DONE: 12/12 done\n");
            assertThat(printed(main, args)).isEqualTo("checkpoint: 12/12 done\nDONE: 12/12 done\n");
            assertThat(sim.stats().requests()).isEqualTo(12);
        }
        assertThat(count(db, "SELECT count(*) FROM results WHERE output LIKE"
                + " 'Answer to: Answer briefly: question %'")).isEqualTo(12);
    }

    @Test
    void theLibraryNeedsNoCommandLine() {
        assertThatThrownBy(() -> Class.forName("picocli.CommandLine")).isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("me.tongfei.progressbar.ProgressBar"))
                .isInstanceOf(ClassNotFoundException.class);
    }

    /** What {@code main} prints on standard output. */
    private static String printed(Method main, String[] args) throws Exception {
        PrintStream before = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            main.invoke(null, (Object) args);
        } finally {
            System.setOut(before);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
