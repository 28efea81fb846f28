package dev.stride.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/**
 * The JDK's TLS sockets, each waiting at most the connect timeout for the server's part of the handshake. OkHttp
 * bounds the handshake by the read timeout alone, and stride has none (the call's deadline, {@code --timeout}, comes
 * first): an {@code https://} URL on a plain-HTTP port (llama.cpp's server, stride's simulator) waited the whole 10
 * minutes for an answer the server never sends. OkHttp sets the read timeout on the socket itself once the handshake
 * is over, so a long answer is not cut by this bound.
 */
final class HandshakeBound extends SSLSocketFactory {
    private final SSLSocketFactory tls;
    private final int boundMillis;

    private HandshakeBound(SSLSocketFactory tls, int boundMillis) {
        this.tls = tls;
        this.boundMillis = boundMillis;
    }

    /** Gives {@code builder} the platform's trust and TLS, with each handshake bounded by {@code bound}. */
    static OkHttpClient.Builder install(OkHttpClient.Builder builder, Duration bound) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            X509TrustManager trust = Arrays.stream(factory.getTrustManagers())
                    .filter(X509TrustManager.class::isInstance).map(X509TrustManager.class::cast)
                    .findFirst().orElseThrow(() -> new IllegalStateException("the JDK has no X.509 trust manager"));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trust}, null);
            int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, bound.toMillis()));
            return builder.sslSocketFactory(new HandshakeBound(context.getSocketFactory(), millis), trust);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's TLS could not be set up: " + e.getMessage(), e);
        }
    }

    private Socket bounded(Socket socket) throws IOException {
        socket.setSoTimeout(boundMillis);
        return socket;
    }

    @Override
    public Socket createSocket(Socket over, String host, int port, boolean autoClose) throws IOException {
        return bounded(tls.createSocket(over, host, port, autoClose));
    }

    @Override
    public Socket createSocket() throws IOException {
        return bounded(tls.createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return bounded(tls.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
        return bounded(tls.createSocket(host, port, local, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return bounded(tls.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
        return bounded(tls.createSocket(host, port, local, localPort));
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return tls.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return tls.getSupportedCipherSuites();
    }
}
