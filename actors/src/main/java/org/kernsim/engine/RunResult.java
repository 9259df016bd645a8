package org.kernsim.engine;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a run produced.
 *
 * @param events messages and timers delivered
 * @param simulatedNanos virtual time of the last delivered event
 * @param traceSha256 hash of the canonical trace (see {@link TraceHash}); null when the run was
 *     made without it ({@link RunOptions#traceHash})
 * @param windows number of conservative windows the run advanced through
 * @param histograms the latency histograms the entities recorded ({@code ctx.record}), merged
 * @param counters the entities' counters ({@code ctx.count}), summed: the metrics that add up over
 *     runs (the others in {@code metrics} are figures of one run: percentiles, maxima, times)
 */
public record RunResult(
    long events,
    long simulatedNanos,
    String traceSha256,
    List<Violation> violations,
    Map<String, Object> metrics,
    EndReason endReason,
    long windows,
    long wallMillis,
    Map<String, Histogram> histograms,
    Map<String, Long> counters) {}
