package org.kernsim.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kernsim.engine.TraceObserver;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.kprobes.KprobeNote;
import org.kernsim.protocol.workqueue.WqNote;

/**
 * The time series of a run's report, observed from the notes the models already publish (nothing is
 * added to the engine's path: the run records only these notes' classes for it): stop_machine calls
 * and the stall they cost (from each CPU's {@code StopperEntered}/{@code StopperLeft}), the CPUs
 * held by stop_machine, the worker pools' sizes and worklists (every {@code PoolState}, summed over
 * the pools), the kprobe optimizer's queue lengths (from the probes' state changes), and the work
 * items' queue latency percentiles per millisecond of virtual time (from {@code WorkQueued} and
 * {@code WorkStarted}; an item queued again before it started counts from its last queueing). Each
 * series keeps its change points, decimated to at most {@link Series#MAX} (keeping each merged
 * stretch's extreme), so memory is bounded whatever the run's length.
 */
public final class RunSeries implements TraceObserver {

  /** A step function of virtual time, as change points. */
  public static final class Series {
    static final int MAX = 4000;
    final String name;
    final String unit; // "count" or "ns"
    long[] t = new long[64];
    double[] v = new double[64];
    int n;
    double last = Double.NaN;

    Series(String name, String unit) {
      this.name = name;
      this.unit = unit;
    }

    void set(long time, double value) {
      if (value == last) return;
      last = value;
      if (n > 0 && t[n - 1] == time) {
        v[n - 1] = value;
        return;
      }
      if (n == t.length) {
        if (n >= MAX) decimate();
        else {
          t = java.util.Arrays.copyOf(t, n * 2);
          v = java.util.Arrays.copyOf(v, n * 2);
        }
      }
      t[n] = time;
      v[n] = value;
      n++;
    }

    /** Halves the points: each pair becomes its later time with the larger magnitude. */
    private void decimate() {
      int k = 0;
      for (int i = 0; i + 1 < n; i += 2) {
        t[k] = t[i];
        v[k] = Math.abs(v[i]) >= Math.abs(v[i + 1]) ? v[i] : v[i + 1];
        k++;
      }
      if (n % 2 == 1) {
        t[k] = t[n - 1];
        v[k] = v[n - 1];
        k++;
      }
      n = k;
    }

    public String name() {
      return name;
    }

    public String unit() {
      return unit;
    }

    public int size() {
      return n;
    }

    public long time(int i) {
      return t[i];
    }

    public double value(int i) {
      return v[i];
    }
  }

  private final Series stopCalls = new Series("stop_machine calls (cumulative)", "count");
  private final Series stall =
      new Series("stop_machine stall (cumulative, summed over CPUs)", "ns");
  private final Series held = new Series("CPUs held by stop_machine", "count");
  private final Series workers = new Series("kworkers (nr_workers, all pools)", "count");
  private final Series idle = new Series("idle kworkers (nr_idle)", "count");
  private final Series running = new Series("running kworkers (nr_running)", "count");
  private final Series worklist = new Series("work items on worklists", "count");
  private final Series optimizing = new Series("optimizing_list", "count");
  private final Series unoptimizing = new Series("unoptimizing_list", "count");
  private final Series queueP50 = new Series("p50", "ns");
  private final Series queueP99 = new Series("p99", "ns");
  private final Series queueMax = new Series("max", "ns");
  private final Map<Long, Long> queuedAt = new HashMap<>();
  private final org.HdrHistogram.Histogram queueLatency = new org.HdrHistogram.Histogram(2);
  private long bucket = -1;
  private final Map<Long, Boolean> ops = new HashMap<>();
  private final Map<Integer, int[]> pools = new HashMap<>();
  private long calls;
  private long stallNanos;
  private long inStopper;
  private int[] totals = new int[4];
  private int opt;
  private int unopt;

  @Override
  public Set<Class<?>> observes() {
    return Set.of(
        CpuNote.StopperEntered.class,
        CpuNote.StopperLeft.class,
        WqNote.PoolState.class,
        WqNote.WorkQueued.class,
        WqNote.WorkStarted.class,
        KprobeNote.Transition.class);
  }

  @Override
  public void observe(TraceRecord r) {
    if (!(r instanceof TraceRecord.Note n)) return;
    Object o = n.note();
    long t = r.time();
    if (o instanceof CpuNote.StopperEntered e) {
      if (ops.putIfAbsent(e.op(), Boolean.TRUE) == null) stopCalls.set(t, ++calls);
      held.set(t, ++inStopper);
    } else if (o instanceof CpuNote.StopperLeft l) {
      ops.remove(l.op());
      stallNanos += l.stalledNanos();
      stall.set(t, stallNanos);
      held.set(t, inStopper = Math.max(0, inStopper - 1));
    } else if (o instanceof WqNote.PoolState p) {
      int[] now = {p.nrWorkers(), p.nrIdle(), p.nrRunning(), p.worklist()};
      int[] before = pools.put(p.pool(), now);
      for (int i = 0; i < 4; i++) totals[i] += now[i] - (before == null ? 0 : before[i]);
      workers.set(t, totals[0]);
      idle.set(t, totals[1]);
      running.set(t, totals[2]);
      worklist.set(t, totals[3]);
    } else if (o instanceof WqNote.WorkQueued q) {
      queuedAt.put(q.item(), t);
    } else if (o instanceof WqNote.WorkStarted w) {
      Long at = queuedAt.remove(w.item());
      if (at != null) {
        long b = t / QUEUE_BUCKET_NANOS;
        if (b != bucket) flushQueueLatency();
        bucket = b;
        queueLatency.recordValue(Math.max(0, t - at));
      }
    } else if (o instanceof KprobeNote.Transition x) {
      if (x.from().equals("OPTIMIZING")) opt--;
      if (x.from().equals("UNOPTIMIZING")) unopt--;
      if (x.to().equals("OPTIMIZING")) opt++;
      if (x.to().equals("UNOPTIMIZING")) unopt++;
      optimizing.set(t, Math.max(0, opt));
      unoptimizing.set(t, Math.max(0, unopt));
    }
  }

  /**
   * Queue latency (a work item's {@code __queue_work()} to its {@code process_one_work()}) is
   * summarised per stretch of this much virtual time: p50, p99 and max of the items started in it.
   */
  static final long QUEUE_BUCKET_NANOS = 1_000_000;

  private void flushQueueLatency() {
    if (bucket < 0 || queueLatency.getTotalCount() == 0) return;
    long t = bucket * QUEUE_BUCKET_NANOS;
    queueP50.set(t, queueLatency.getValueAtPercentile(50));
    queueP99.set(t, queueLatency.getValueAtPercentile(99));
    queueMax.set(t, queueLatency.getMaxValue());
    queueLatency.reset();
  }

  /** The plots of the report: title to the series drawn in it (only series with data). */
  public Map<String, List<Series>> plots() {
    flushQueueLatency();
    bucket = -1;
    Map<String, List<Series>> out = new LinkedHashMap<>();
    add(out, "stop_machine() calls", List.of(stopCalls));
    add(out, "stop_machine stall", List.of(stall));
    add(out, "CPUs held by stop_machine", List.of(held));
    add(out, "Worker pools", List.of(workers, idle, running));
    add(out, "Queue lengths", List.of(worklist, optimizing, unoptimizing));
    add(
        out,
        "Queue latency: queue_work() to process_one_work(), per 1 ms of virtual time",
        List.of(queueP50, queueP99, queueMax));
    return out;
  }

  private static void add(Map<String, List<Series>> out, String title, List<Series> series) {
    List<Series> s = new ArrayList<>();
    for (Series x : series) if (x.n > 0) s.add(x);
    if (!s.isEmpty()) out.put(title, s);
  }
}
