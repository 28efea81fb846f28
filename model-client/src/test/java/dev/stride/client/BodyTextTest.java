package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A body's bytes read as text exactly as OkHttp reads them, whichever transport brought them. */
class BodyTextTest {

    @ParameterizedTest(name = "{0} declared {1}")
    @CsvSource(nullValues = "none", value = {
            "UTF-8, none, '', true", "UTF-8, application/json, '', true",
            "UTF-8, application/json; charset=utf-8, '', true", "UTF-8, text/plain; charset=no-such-charset, '', true",
            "ISO-8859-1, text/plain; charset=ISO-8859-1, '', false", "UTF-16LE, none, FFFE, false",
            "UTF-16BE, none, FEFF, false", "UTF-32BE, none, 0000FEFF, false",
            // A byte-order mark beats the declared charset; the bytes then go the text way, which follows it.
            "UTF-8, application/json; charset=latin1, EFBBBF, false"})
    void decodesAsOkHttpDoes(String encoding, String contentType, String bomHex, boolean straightToJson)
            throws Exception {
        String text = "{\"error\":\"café, ünïcode\"}";
        byte[] bom = java.util.HexFormat.of().parseHex(bomHex);
        byte[] encoded = text.getBytes(Charset.forName(encoding));
        byte[] body = new byte[bom.length + encoded.length];
        System.arraycopy(bom, 0, body, 0, bom.length);
        System.arraycopy(encoded, 0, body, bom.length, encoded.length);
        String okHttps = ResponseBody.create(body, contentType == null ? null : MediaType.get(contentType)).string();

        assertThat(BodyText.decode(body, contentType)).isEqualTo(okHttps).isEqualTo(text);
        assertThat(BodyText.isUtf8(body, contentType)).as("bytes straight to the JSON parser").isEqualTo(straightToJson);
    }
}
