package dev.stride.client;

import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * Whether a call got a connection to its server. OkHttp runs network interceptors only once a connection is in hand,
 * so a call that {@link #MARK} never saw was refused, or cancelled while it was still connecting: it reached no server.
 */
final class Connected {
    /** Marks the call's {@link Connected} tag, when it has one, and sends the request on. */
    static final Interceptor MARK = chain -> {
        Connected mark = chain.request().tag(Connected.class);
        if (mark != null) {
            mark.yes = true;
        }
        return chain.proceed(chain.request());
    };

    volatile boolean yes;

    /** For a transport of our own, which knows itself when it has a connection. */
    void mark() {
        yes = true;
    }
}
