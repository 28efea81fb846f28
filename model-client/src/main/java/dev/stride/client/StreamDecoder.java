package dev.stride.client;

import java.time.Duration;

/** Reads a streamed answer line by line (without line terminators) into one {@link ChatResult}. One per call. */
interface StreamDecoder {

    /** One line of the body; throws at the first error event or unreadable chunk. */
    void line(String line) throws MalformedResponse;

    /** Whether the stream's own end marker has been read ({@code [DONE]}, {@code done:true}). */
    boolean done();

    /** At the end of the body: the answer, or why the stream is not a whole answer. */
    ChatResult finish(Duration latency) throws MalformedResponse;
}
