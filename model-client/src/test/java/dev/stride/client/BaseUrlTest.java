package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BaseUrlTest {

    @Test
    void theUserInfoPasswordIsMaskedAndTheUserKept() {
        assertThat(BaseUrl.parse("http://user:TOKEN@host/v1").shown()).isEqualTo("http://user:***@host/v1");
        assertThat(BaseUrl.parse("https://TOKEN@host:8443/v1/").shown()).isEqualTo("https://***@host:8443/v1");
    }

    @Test
    void secretQueryParametersAreMaskedWhateverTheirCaseAndOthersKept() {
        String url = "https://x.openai.azure.com/openai/deployments/NAME?api-version=2024-10-21&API-KEY=s3cr3t"
                + "&sig=abc&token=t0k&apikey=k&code=c&keep=me";
        assertThat(BaseUrl.parse(url).shown()).isEqualTo("https://x.openai.azure.com/openai/deployments/NAME"
                + "?api-version=2024-10-21&API-KEY=***&sig=***&token=***&apikey=***&code=***&keep=me");
        assertThat(BaseUrl.parse(url).secrets()).contains("s3cr3t", "abc", "t0k", "k", "c").doesNotContain("me");
    }

    @Test
    void theEndpointPathGoesBeforeTheQueryAndTheUserInfoIsNotInTheRequestUrl() {
        BaseUrl base = BaseUrl.parse("https://u:p@x.example/openai/deployments/NAME/?api-version=2024-10-21");
        assertThat(base.endpoint("/chat/completions", false)).hasToString(
                "https://x.example/openai/deployments/NAME/chat/completions?api-version=2024-10-21");
        assertThat(base.basicAuthorization()).isEqualTo("Basic dTpw");
        assertThat(BaseUrl.parse("http://h/v1").basicAuthorization()).isNull();
    }

    @Test
    void aFragmentOrAnotherSchemeIsRefusedWithTheUrlShownMasked() {
        assertThat(BaseUrl.problem("http://h/v1#x")).contains(BaseUrl.Problem.FRAGMENT);
        assertThat(BaseUrl.problem("ftp://h/v1")).contains(BaseUrl.Problem.NOT_HTTP);
        assertThat(BaseUrl.problem("localhost:8000")).contains(BaseUrl.Problem.NOT_A_URL);
        assertThat(BaseUrl.problem("http://h/v1?api-version=1")).isEmpty();
        assertThat(BaseUrl.problem("http:///v1")).contains(BaseUrl.Problem.NO_HOST);
        assertThat(BaseUrl.problem("http://:8000/v1")).contains(BaseUrl.Problem.NO_HOST);
        assertThat(BaseUrl.problem("http://u:p@/v1")).contains(BaseUrl.Problem.NO_HOST);
        assertThat(BaseUrl.problem("http://localhost:99999/v1")).contains(BaseUrl.Problem.BAD_PORT);
        assertThat(BaseUrl.problem("http://localhost:0/v1")).contains(BaseUrl.Problem.BAD_PORT);
        assertThat(BaseUrl.problem("http://localhost:80a/v1")).contains(BaseUrl.Problem.BAD_PORT);
        assertThat(BaseUrl.problem("http://[::1/v1")).contains(BaseUrl.Problem.BAD_HOST);
        assertThat(BaseUrl.problem("http://[::1]x/v1")).contains(BaseUrl.Problem.BAD_HOST);
        assertThat(BaseUrl.problem("http://local host:8000/v1")).contains(BaseUrl.Problem.BAD_HOST);
        assertThat(BaseUrl.problem("http://[fe80::1%25eth0]:8000/v1")).contains(BaseUrl.Problem.IPV6_ZONE);
        assertThat(BaseUrl.problem("http://[fe80::1%eth0]/v1")).contains(BaseUrl.Problem.IPV6_ZONE);
        // What is valid stays valid: an IPv6 address with and without a port, user info with a colon, a bare host.
        assertThat(BaseUrl.problem("http://[::1]:8000/v1")).isEmpty();
        assertThat(BaseUrl.problem("http://[::1]/v1")).isEmpty();
        assertThat(BaseUrl.problem("https://user:pa:ss@host.example:65535/v1?key=1")).isEmpty();
        assertThat(BaseUrl.problem("http://gpu2")).isEmpty();
        assertThat(BaseUrl.problem("http://gpu2:8000")).isEmpty();
        assertThat(BaseUrl.problem("http://127.0.0.1:018950/v1")).isEmpty();
        assertThat(BaseUrl.problem("http://127.0.0.1:000/v1")).contains(BaseUrl.Problem.BAD_PORT);
        assertThatThrownBy(() -> BaseUrl.parse("http://u:SECRET@h/v1#frag"))
                .hasMessageContaining("http://u:***@h/v1#frag").hasMessageNotContaining("SECRET");
    }

    @Test
    void redactLeavesTextThatIsNoUrlAlone() {
        assertThat(BaseUrl.redact("no url here")).isEqualTo("no url here");
        assertThat(BaseUrl.redact("POST http://a:b@h/v1/chat?key=K failed"))
                .isEqualTo("POST http://a:***@h/v1/chat?key=*** failed");
    }
}
