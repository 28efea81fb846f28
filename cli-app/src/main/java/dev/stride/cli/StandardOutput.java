package dev.stride.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Standard output as commands print to it, remembering the first write that failed. A {@link PrintWriter} over
 * {@code System.out} swallows every error twice (the PrintStream, then the writer): {@code stride export > out.jsonl}
 * on a full disk wrote half the rows and exited 0. Over the file descriptor itself, the writer sees the failure, and
 * this keeps its reason for the one line that says so.
 */
final class StandardOutput extends PrintWriter {
    private final Recording stream;

    StandardOutput(OutputStream out) {
        this(new Recording(out));
    }

    private StandardOutput(Recording stream) {
        super(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
        this.stream = stream;
    }

    /**
     * What kept {@code out} from being written, once everything printed so far is flushed: the first failed write's
     * exception, or {@code null} when every write went through (or {@code out} is not standard output). A reader that
     * went away ({@code stride export | head}) is no failure: it took what it wanted.
     */
    static IOException failureOf(PrintWriter out) {
        out.flush();
        if (!(out instanceof StandardOutput standard) || !out.checkError()) {
            return null;
        }
        IOException failure = standard.stream.failure;
        if (failure == null) {
            return new IOException("write error");
        }
        String reason = failure.getMessage();
        return reason != null && reason.contains("Broken pipe") ? null : failure;
    }

    /** Passes every write on, and keeps the first one's exception (the writer above it keeps only that one failed). */
    private static final class Recording extends FilterOutputStream {
        private volatile IOException failure;

        Recording(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                remember(e);
                throw e;
            }
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                remember(e);
                throw e;
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                remember(e);
                throw e;
            }
        }

        private void remember(IOException e) {
            if (failure == null) {
                failure = e;
            }
        }
    }
}
