package org.kernsim.actors.workqueue;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.kernsim.engine.Checker;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.workqueue.WqNote;

/**
 * The window of the seed (WQ-1, C.7.1 steps 1-4): {@code idle_cull_fn()} never sets WORKER_DIE on a
 * worker that {@code kick_pool()} picked and that has not yet taken {@code pool->lock} in {@code
 * worker_thread()} since. It derives "picked and not run" from the notes, independently of the
 * pool's own bookkeeping.
 */
public final class NoKickedWorkerCulled implements Checker {
  private final long[] pickedLife;
  private final long[] pickedAt;
  private final String[] pickedSite;
  private long fired;

  /**
   * Per kick site, its name as a violation says it, without and with a deferred wake-up: made once,
   * not at every kick (a kick is a note of every burst).
   */
  private static final String[][] SITES = sites();

  private static String[][] sites() {
    WqNote.KickSite[] all = WqNote.KickSite.values();
    String[][] out = new String[all.length][];
    for (WqNote.KickSite k : all) {
      String n = k.name().toLowerCase(java.util.Locale.ROOT);
      out[k.ordinal()] = new String[] {n, n + ", wake deferred"};
    }
    return out;
  }

  public NoKickedWorkerCulled(int entities) {
    pickedLife = new long[entities];
    pickedAt = new long[entities];
    pickedSite = new String[entities];
    Arrays.fill(pickedLife, -1);
  }

  @Override
  public String name() {
    return "NoKickedWorkerCulled";
  }

  @Override
  public Set<Class<?>> observes() {
    return Set.of(WqNote.Kicked.class, WqNote.WokeUp.class, WqNote.WorkerDying.class);
  }

  @Override
  public void observe(TraceRecord record, Checks checks) {
    Object n = ((TraceRecord.Note) record).note();
    if (n instanceof WqNote.Kicked k) {
      if (pickedLife[k.worker()] != k.incarnation()) {
        pickedLife[k.worker()] = k.incarnation();
        pickedAt[k.worker()] = record.time();
        pickedSite[k.worker()] = SITES[k.site().ordinal()][k.deferred() ? 1 : 0];
      }
    } else if (n instanceof WqNote.WokeUp w) {
      if (pickedLife[w.worker()] == w.incarnation()) pickedLife[w.worker()] = -1;
    } else if (n instanceof WqNote.WorkerDying d) {
      if (pickedLife[d.worker()] == d.incarnation()) {
        fired++;
        checks.violation(
            record.time(),
            d.pool(),
            checks.name(d.worker())
                + " was picked by kick_pool() ("
                + pickedSite[d.worker()]
                + ") "
                + String.format(
                    java.util.Locale.ROOT, "%.3f", (record.time() - pickedAt[d.worker()]) / 1e6)
                + " ms ago and has not run since, but idle_cull_fn() set WORKER_DIE on it");
        pickedLife[d.worker()] = -1;
      }
    }
  }

  @Override
  public void contribute(Map<String, Object> metrics) {
    metrics.put("kickedWorkersCulledSeen", fired);
  }
}
