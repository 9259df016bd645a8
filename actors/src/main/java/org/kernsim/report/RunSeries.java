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
 * the pools), the kprobe optimizer's queue lengths (from the probes' state changes). Each series
 * keeps its change points, decimated to at most {@link Series#MAX} (keeping each merged stretch's
 * extreme), so memory is bounded whatever the run's length.
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
    } else if (o instanceof KprobeNote.Transition x) {
      if (x.from().equals("OPTIMIZING")) opt--;
      if (x.from().equals("UNOPTIMIZING")) unopt--;
      if (x.to().equals("OPTIMIZING")) opt++;
      if (x.to().equals("UNOPTIMIZING")) unopt++;
      optimizing.set(t, Math.max(0, opt));
      unoptimizing.set(t, Math.max(0, unopt));
    }
  }

  /** The plots of the report: title to the series drawn in it (only series with data). */
  public Map<String, List<Series>> plots() {
    Map<String, List<Series>> out = new LinkedHashMap<>();
    add(out, "stop_machine() calls", List.of(stopCalls));
    add(out, "stop_machine stall", List.of(stall));
    add(out, "CPUs held by stop_machine", List.of(held));
    add(out, "Worker pools", List.of(workers, idle, running));
    add(out, "Queue lengths", List.of(worklist, optimizing, unoptimizing));
    return out;
  }

  private static void add(Map<String, List<Series>> out, String title, List<Series> series) {
    List<Series> s = new ArrayList<>();
    for (Series x : series) if (x.n > 0) s.add(x);
    if (!s.isEmpty()) out.put(title, s);
  }
}
