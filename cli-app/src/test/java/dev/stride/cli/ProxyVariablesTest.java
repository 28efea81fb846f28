package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ProxyVariablesTest {
    private final Properties properties = new Properties();

    @Test
    void theEnvironmentsProxiesBecomeJavasWithTheMachineItselfDirect() {
        ProxyVariables.apply(Map.of("https_proxy", "http://proxy.cluster:3128/", "http_proxy", "proxy.cluster:8080",
                "no_proxy", "localhost,.internal.org, gpu-01:8000,10.0.0.0/8,192.168.1.7"), properties);

        assertThat(properties).containsEntry("https.proxyHost", "proxy.cluster")
                .containsEntry("https.proxyPort", "3128")
                .containsEntry("http.proxyHost", "proxy.cluster")
                .containsEntry("http.proxyPort", "8080")
                .containsEntry("http.nonProxyHosts",
                        "localhost|*.localhost|internal.org|*.internal.org|gpu-01|*.gpu-01|192.168.1.7");
    }

    @Test
    void upperCaseNamesAndAPortlessProxyAreRead() {
        ProxyVariables.apply(Map.of("HTTPS_PROXY", "http://user:secret@proxy.cluster"), properties);

        assertThat(properties).containsEntry("https.proxyHost", "proxy.cluster")
                .containsEntry("https.proxyPort", "80")
                .doesNotContainKey("http.proxyHost")
                .as("Java's own list, the machine itself direct").doesNotContainKey("http.nonProxyHosts");
    }

    @Test
    void javasOwnPropertiesWin() {
        properties.setProperty("https.proxyHost", "chosen");
        properties.setProperty("http.nonProxyHosts", "only-this");

        ProxyVariables.apply(Map.of("https_proxy", "http://proxy.cluster:3128", "no_proxy", "x.org"), properties);

        assertThat(properties).containsEntry("https.proxyHost", "chosen").doesNotContainKey("https.proxyPort")
                .containsEntry("http.nonProxyHosts", "only-this");
    }

    @Test
    void noProxyStarOrNothingUsableSetsNothing() {
        ProxyVariables.apply(Map.of("https_proxy", "http://proxy.cluster:3128", "no_proxy", "*"), properties);
        ProxyVariables.apply(Map.of("http_proxy", "http://bad host:3128", "https_proxy", " "), properties);

        assertThat(properties).isEmpty();
    }
}
