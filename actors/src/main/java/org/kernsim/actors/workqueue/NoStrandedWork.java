package org.kernsim.actors.workqueue;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.kernsim.engine.EndReason;

/**
 * The stranded-work check of spec C.7.2 (WQ-1 step 5): a pool's worklist holds an item while {@code
 * need_more_worker()} holds (and nobody is creating workers) and no kworker of the pool is runnable
 * or running (dying ones do not count), for longer than {@code workqueue.stranding-bound}; or still
 * so when the run ends with nothing left to happen.
 */
public final class NoStrandedWork extends PoolProgress {
  private final long bound;
  private final long[] since;
  private final int[] itemsAtStart;
  private final long[] itemAtStart;
  private long episodes;
  private long strandedItems;
  private long longest;

  public NoStrandedWork(WqTopology topo, long boundNanos) {
    super(topo);
    this.bound = boundNanos;
    since = new long[topo.pools];
    itemsAtStart = new int[topo.pools];
    itemAtStart = new long[topo.pools];
    Arrays.fill(since, -1);
  }

  @Override
  public String name() {
    return "NoStrandedWork";
  }

  @Override
  void evaluate(int pool, long now, Checks checks) {
    boolean stranded = needsWorker(pool) && awakeCount[pool] == 0;
    if (stranded && since[pool] < 0) {
      since[pool] = now;
      itemsAtStart[pool] = worklist[pool];
      itemAtStart[pool] = oldestItem[pool];
    } else if (!stranded && since[pool] >= 0) {
      long waited = now - since[pool];
      if (waited > bound) report(pool, since[pool] + bound, waited, false, checks);
      since[pool] = -1;
    }
  }

  private void report(int pool, long at, long waited, boolean atEnd, Checks checks) {
    episodes++;
    strandedItems += itemsAtStart[pool];
    longest = Math.max(longest, waited);
    checks.violation(
        at,
        topo.pool(pool),
        itemsAtStart[pool]
            + " item(s) (first "
            + item(itemAtStart[pool], checks::name)
            + ") on the worklist of "
            + checks.name(topo.pool(pool))
            + " with nr_running=0 and no kworker runnable or running for "
            + String.format(Locale.ROOT, "%.3f ms", waited / 1e6)
            + (atEnd ? " (still so when the run ended)" : "")
            + "; bound "
            + String.format(Locale.ROOT, "%.3f ms", bound / 1e6));
  }

  /** A readable name for a work item id: {@code workload/2#10}, {@code idle_cull_work(pool1)}. */
  static String item(long id, java.util.function.IntFunction<String> names) {
    int owner = (int) (id >>> 32);
    long n = id & 0xFFFF_FFFFL;
    if (n == 0xFFFF_FFFFL) return "idle_cull_work(" + names.apply(owner) + ")";
    if (n == 0) return "dwork(" + names.apply(owner) + ")";
    if ((n & 0xF000_0000L) == 0x7000_0000L) return "unbind_work(" + names.apply(owner) + ")";
    if ((n & org.kernsim.protocol.workqueue.WorkItem.BARRIER_BIT) != 0) {
      return "barrier#" + (n & 0x7FFF_FFFFL) + "(" + names.apply(owner) + ")";
    }
    return names.apply(owner) + "#" + n;
  }

  @Override
  public void finish(long endNanos, EndReason reason, Checks checks) {
    if (reason == EndReason.VIOLATION) return; // cut short: no verdict at the end
    for (int p = 0; p < topo.pools; p++) {
      if (since[p] < 0) continue;
      long waited = endNanos - since[p];
      if (reason == EndReason.QUIESCENT || waited > bound) {
        // the item became stranded once it had waited the bound (or when nothing else could happen)
        report(p, Math.min(endNanos, since[p] + bound), waited, true, checks);
      }
    }
  }

  @Override
  public void contribute(Map<String, Object> metrics) {
    metrics.put("strandedWorkItems", strandedItems);
    metrics.put("strandingEpisodes", episodes);
    metrics.put("longestStrandingNanos", longest);
  }
}
