package dev.stride.client;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/** Reads one HTTP/1.1 request off a raw socket (its head, then its Content-Length body): for tests that play a server. */
final class RawRequest {

    private RawRequest() {
    }

    /** @return false when the stream ended before the request's head did */
    static boolean read(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return false;
            }
            head.append((char) b);
        }
        String lower = head.toString().toLowerCase(Locale.ROOT);
        int at = lower.indexOf("content-length:");
        if (at >= 0) {
            in.readNBytes(Integer.parseInt(lower.substring(at + 15, lower.indexOf('\r', at)).trim()));
        }
        return true;
    }
}
