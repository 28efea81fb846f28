package dev.stride.client;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import okhttp3.MediaType;

/**
 * A body's bytes as text, decoded as OkHttp's {@code ResponseBody.string()} decodes them: a byte-order mark first, then
 * the charset the Content-Type declares, else UTF-8. Kept in one place so that both transports read a body alike.
 */
final class BodyText {
    private static final Charset UTF_32BE = Charset.forName("UTF-32BE");
    private static final Charset UTF_32LE = Charset.forName("UTF-32LE");

    private BodyText() {
    }

    static String decode(byte[] body, String contentType) {
        int n = body.length;
        if (n >= 3 && (body[0] & 0xff) == 0xef && (body[1] & 0xff) == 0xbb && (body[2] & 0xff) == 0xbf) {
            return new String(body, 3, n - 3, StandardCharsets.UTF_8);
        }
        if (n >= 4 && body[0] == 0 && body[1] == 0 && (body[2] & 0xff) == 0xfe && (body[3] & 0xff) == 0xff) {
            return new String(body, 4, n - 4, UTF_32BE);
        }
        if (n >= 4 && (body[0] & 0xff) == 0xff && (body[1] & 0xff) == 0xfe && body[2] == 0 && body[3] == 0) {
            return new String(body, 4, n - 4, UTF_32LE);
        }
        if (n >= 2 && (body[0] & 0xff) == 0xfe && (body[1] & 0xff) == 0xff) {
            return new String(body, 2, n - 2, StandardCharsets.UTF_16BE);
        }
        if (n >= 2 && (body[0] & 0xff) == 0xff && (body[1] & 0xff) == 0xfe) {
            return new String(body, 2, n - 2, StandardCharsets.UTF_16LE);
        }
        Charset declared = declared(contentType);
        return new String(body, declared == null ? StandardCharsets.UTF_8 : declared);
    }

    /**
     * Whether the bytes can go to the JSON parser as they are: no other charset declared and no byte-order mark of
     * another encoding (UTF-8's own is skipped by both readers).
     */
    static boolean isUtf8(byte[] body, String contentType) {
        Charset declared = declared(contentType);
        if (declared != null && !declared.equals(StandardCharsets.UTF_8)) {
            return false;
        }
        if (body.length < 2) {
            return true; // nothing or one byte: not JSON either way, and the parser will say so
        }
        int first = body[0] & 0xff;
        int second = body[1] & 0xff;
        return first != 0 && second != 0 && first != 0xfe && first != 0xff;
    }

    /** The charset the Content-Type names, if the JVM knows it; null otherwise (then UTF-8, as OkHttp does). */
    private static Charset declared(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).contains("charset")) {
            return null;
        }
        MediaType type = MediaType.parse(contentType);
        return type == null ? null : type.charset();
    }
}
