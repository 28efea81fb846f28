package dev.stride.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The proxy a machine names in its environment ({@code https_proxy}, {@code http_proxy}, {@code no_proxy}, as curl,
 * pip and most command-line tools read them), given to the JVM's own proxy properties, which stride's HTTP client
 * reads. Java reads only its properties: on a cluster whose API is reachable only through {@code https_proxy}, a run
 * said "unknown host" while curl answered. A property already set ({@code JAVA_OPTS=-Dhttps.proxyHost=...}) wins.
 * The machine itself stays direct: Java adds localhost, 127.*, [::1] and 0.0.0.0 to any {@code http.nonProxyHosts}
 * that is not empty (JDK 9 and later), and one is set here only from names {@code no_proxy} gives.
 */
final class ProxyVariables {
    private ProxyVariables() {
    }

    /** Sets {@code properties}' proxy from {@code environment}'s variables, where they name one and it sets none. */
    static void apply(Map<String, String> environment, Properties properties) {
        String noProxy = variable(environment, "no_proxy");
        if (noProxy != null && noProxy.strip().equals("*")) {
            return; // curl's "nothing through a proxy"
        }
        boolean set = proxy(variable(environment, "https_proxy"), "https", properties);
        set |= proxy(variable(environment, "http_proxy"), "http", properties);
        String hosts = nonProxyHosts(noProxy);
        // Never an empty list: Java would take it as "every host through the proxy", the machine itself included.
        if (set && !hosts.isEmpty() && properties.getProperty("http.nonProxyHosts") == null) {
            properties.setProperty("http.nonProxyHosts", hosts);
        }
    }

    /** Java's {@code http.nonProxyHosts} for curl's {@code no_proxy} (which covers https as well in both). */
    static String nonProxyHosts(String noProxy) {
        Set<String> hosts = new LinkedHashSet<>();
        if (noProxy != null) {
            for (String entry : noProxy.split(",")) {
                String host = entry.strip().toLowerCase(Locale.ROOT);
                int port = host.lastIndexOf(':');
                if (port > 0 && !host.endsWith("]") && host.indexOf(':') == port) {
                    host = host.substring(0, port); // host:port: Java's list has no ports
                }
                if (host.isEmpty() || host.contains("/")) {
                    continue; // a CIDR range (10.0.0.0/8): Java's list has none; such hosts go through the proxy
                }
                // curl's "example.org" and ".example.org" both mean the domain and every name under it.
                String domain = host.startsWith("*.") ? host.substring(2) : host.startsWith(".") ? host.substring(1)
                        : host;
                hosts.add(domain);
                if (!domain.startsWith("[") && !domain.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
                    hosts.add("*." + domain);
                }
            }
        }
        return String.join("|", hosts);
    }

    /** Sets {@code scheme.proxyHost} and {@code .proxyPort} from {@code value}; false where it set nothing. */
    private static boolean proxy(String value, String scheme, Properties properties) {
        if (value == null || value.isBlank() || properties.getProperty(scheme + ".proxyHost") != null) {
            return false;
        }
        String text = value.strip();
        URI uri;
        try {
            uri = new URI(text.contains("://") ? text : "http://" + text);
        } catch (URISyntaxException e) {
            return false; // not a proxy's address: Java's default, direct, as before
        }
        if (uri.getHost() == null) {
            return false;
        }
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        properties.setProperty(scheme + ".proxyHost", uri.getHost());
        properties.setProperty(scheme + ".proxyPort", Integer.toString(port));
        return true;
    }

    /** The variable in lower case, as curl reads it first, else in upper case. */
    private static String variable(Map<String, String> environment, String lower) {
        String value = environment.get(lower);
        return value != null && !value.isBlank() ? value : environment.get(lower.toUpperCase(Locale.ROOT));
    }
}
