package dev.stride.bench;

import dev.stride.client.ChatRequest;
import dev.stride.client.ChatResult;
import dev.stride.client.ClientSettings;
import dev.stride.client.ModelClient;
import dev.stride.core.Json;
import dev.stride.core.PromptTemplate;
import dev.stride.sim.Simulator;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/** What stride is compared with, against the same in-process simulator. */
final class Baselines {
    private static final PromptTemplate TEMPLATE = PromptTemplate.parse(Records.TEMPLATE);

    private Baselines() {
    }

    /** Predictions per second of {@code threads} threads that call the server in a loop and keep nothing. */
    static double plainLoop(Simulator sim, int threads, int records) throws InterruptedException {
        AtomicLong next = new AtomicLong();
        try (ModelClient client = new ModelClient(ClientSettings.of(sim.url()).withMaxConcurrency(threads))) {
            Thread[] workers = new Thread[threads];
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                workers[t] = new Thread(() -> {
                    long i;
                    while ((i = next.getAndIncrement()) < records) {
                        try {
                            client.chat(ChatRequest.of(Bench.MODEL, null, prompt(i)));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                });
                workers[t].start();
            }
            for (Thread w : workers) {
                w.join();
            }
            return records / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /**
     * The seed's design: a pool of {@code threads} threads; the main thread takes results as they complete into one
     * map and, every {@code every} results, serializes the whole map to a file (written beside, then renamed) — as
     * {@code pickle.dump(results, f)} in an {@code as_completed} loop. The cost of a save grows with the run.
     */
    static double seedDesign(String url, int threads, int records, int every, Path file) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        Semaphore queued = new Semaphore(threads * 4); // keeps the pool's queue short, as submit-all would not
        try (ModelClient client = new ModelClient(ClientSettings.of(url).withMaxConcurrency(threads))) {
            ExecutorCompletionService<String[]> done = new ExecutorCompletionService<>(pool);
            HashMap<String, String[]> results = new HashMap<>();
            long t0 = System.nanoTime();
            Thread feeder = new Thread(() -> {
                for (long i = 0; i < records; i++) {
                    long seq = i;
                    queued.acquireUninterruptibly();
                    done.submit(() -> {
                        long s = System.nanoTime();
                        ChatResult r = client.chat(ChatRequest.of(Bench.MODEL, null, prompt(seq)));
                        return new String[] {"r" + seq, r.content(), r.finishReason(),
                            String.valueOf(r.promptTokens()), String.valueOf(r.completionTokens()),
                            String.valueOf((System.nanoTime() - s) / 1_000_000)};
                    });
                }
            });
            feeder.start();
            Path tmp = Path.of(file + ".tmp");
            for (int n = 1; n <= records; n++) {
                Future<String[]> f = done.take();
                queued.release();
                String[] r = f.get();
                results.put(r[0], r);
                if (n % every == 0 || n == records) {
                    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
                         ObjectOutputStream o = new ObjectOutputStream(out)) {
                        o.writeObject(results);
                    }
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            feeder.join();
            return records / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
            Files.deleteIfExists(file);
        }
    }

    private static String prompt(long seq) {
        return TEMPLATE.render(Json.read(Records.json(seq), Json.storedRecord(Long.toString(seq))));
    }

    static void checkWritable(Path dir) throws IOException {
        Files.createDirectories(dir);
    }
}
