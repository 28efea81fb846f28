package dev.stride.bench;

import dev.stride.client.AdaptiveLimit;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * {@code --concurrency auto}'s limit ({@link AdaptiveLimit}) against a modelled server whose answers take as long as a
 * model's do: each its own time, drawn from a log-normal of the given spread (a model's answers are as long as the
 * text it writes, and that varies from record to record). The server serves {@code slots} at once and queues the
 * rest; the client keeps the limit in flight and runs {@code records} through. A discrete-event model on a made-up
 * clock, so that a run of thousands of multi-second answers takes a second; what it gives are shares, not times.
 *
 * <p>Usage: {@code AutoLimitModel SLOTS RECORDS SPREAD [SEEDS]}: SPREAD is the log-normal's sigma (0: every answer
 * takes the same time; 0.5: the middle half of the answers between 0.7 and 1.4 times the median). Prints, over the
 * seeds, the run's throughput as a share of the server's capacity (whole span, ramp included) and the average in
 * flight at the server per slot, mean and worst.
 */
public final class AutoLimitModel {
    private static final long LATENCY = 1_000_000_000L;

    private AutoLimitModel() {
    }

    /** One modelled run: throughput / capacity over the whole span, and the time-averaged in flight / slots. */
    record Outcome(double throughputShare, double inFlightPerSlot) {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: AutoLimitModel SLOTS RECORDS SPREAD [SEEDS]");
            System.exit(2);
        }
        int slots = Integer.parseInt(args[0]);
        int records = Integer.parseInt(args[1]);
        double spread = Double.parseDouble(args[2]);
        int seeds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        double share = 0;
        double worstShare = Double.MAX_VALUE;
        double inFlight = 0;
        double mostInFlight = 0;
        for (int seed = 1; seed <= seeds; seed++) {
            Outcome o = run(slots, records, spread, seed);
            share += o.throughputShare();
            worstShare = Math.min(worstShare, o.throughputShare());
            inFlight += o.inFlightPerSlot();
            mostInFlight = Math.max(mostInFlight, o.inFlightPerSlot());
        }
        System.out.printf(Locale.ROOT, "| %d | %d | %.2f | %.3f | %.3f | %.2f | %.2f |%n", slots, records, spread,
                share / seeds, worstShare, inFlight / seeds, mostInFlight);
    }

    static Outcome run(int slots, int records, double spread, long seed) {
        Random random = new Random(seed);
        // The median scaled so that the mean stays one latency whatever the spread: capacity is slots / latency.
        double toMean = Math.exp(spread * spread / 2);
        AdaptiveLimit limit = new AdaptiveLimit(256);
        // Being served: {ends at, sent at, others in flight at sending}; queued: {sent at, others, service time}.
        PriorityQueue<long[]> serving = new PriorityQueue<>(Comparator.comparingLong(r -> r[0]));
        ArrayDeque<long[]> queued = new ArrayDeque<>();
        long now = 0;
        int sent = 0;
        int done = 0;
        double inFlightTime = 0;
        while (done < records) {
            int inFlight = serving.size() + queued.size();
            while (sent < records && inFlight < limit.limit()) {
                long service = (long) (LATENCY * Math.exp(spread * random.nextGaussian()) / toMean);
                if (serving.size() < slots) {
                    serving.add(new long[] {now + service, now, inFlight});
                } else {
                    queued.add(new long[] {now, inFlight, service});
                }
                sent++;
                inFlight++;
            }
            long[] answered = serving.poll();
            inFlightTime += (double) inFlight * (answered[0] - now);
            now = answered[0];
            done++;
            limit.record(answered[1], now - answered[1], (int) answered[2], AdaptiveLimit.Result.ANSWERED);
            if (!queued.isEmpty()) {
                long[] next = queued.poll();
                serving.add(new long[] {now + next[2], next[0], next[1]});
            }
        }
        double ideal = (double) records / slots * LATENCY;
        return new Outcome(ideal / now, inFlightTime / now / slots);
    }
}
