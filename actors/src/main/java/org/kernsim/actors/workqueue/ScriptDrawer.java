package org.kernsim.actors.workqueue;

import org.kernsim.actors.workqueue.Kicker.Kind;
import org.kernsim.actors.workqueue.Kicker.Script;
import org.kernsim.engine.SplitMix64;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WorkItem.WorkKind;

/**
 * A workload thread's script ({@link Workload}), drawn lazily: a few actions ahead of the thread,
 * from the thread's own random stream, with the same draws in the same order as a script drawn
 * whole at time 0 — so every run is the same, draw for draw and hash for hash.
 *
 * <p>Drawn whole, the script is: the warm-up (its sleep, then its items), the first burst's start
 * and the delayed work's durations, the first burst's items, each further burst's start and items,
 * then the steady stream (its start, and per item its period, pool, item and syscall); the thread
 * then runs the bursts and the stream items in the order of their start times (a burst before a
 * stream item that starts at the same time). Drawn lazily, two cursors read the one stream at two
 * positions: the <em>main</em> cursor at the start of the warm-up, the <em>steady</em> cursor where
 * the bursts' draws end; {@link #start} finds that position (and the number of items the bursts
 * draw, for the item ids) by drawing the whole script once without keeping it, which also moves the
 * thread's stream past the script, where a script drawn whole leaves it. The cursors are plain
 * fields (positions, counters, the next start times), so a snapshot holds them and the drawn but
 * unused actions (the thread's {@link Script}), and a resumed run draws on from there.
 *
 * <p>This is what keeps {@code workqueue-load} at 65,536 CPUs under 4 GB: a script drawn whole is
 * 562 actions (185 work items) per thread, 21 KB packed.
 */
final class ScriptDrawer {

  /** How many actions {@link #fill} draws ahead (at least; a unit of draws is 1 to 3 actions). */
  static final int WINDOW = 8;

  private final WqTopology topo;
  private final int index;
  private final Workload w;
  private final long self;

  // ---------------------------------------------------------------- the main cursor

  /** The main cursor's stream position: the warm-up, then the bursts. */
  private long mainAt;

  /** Warm-up units drawn: 0 = its sleep not yet, then 1 + the items drawn. */
  private int warm;

  /** Items the main cursor drew (the ids of the warm-up's and the bursts' items). */
  private long mainItems;

  /** Bursts begun. */
  private int burstsBegun;

  /** Items of the current burst still to draw (0: between bursts). */
  private int burstLeft;

  /** The next burst's start, drawn (-1: none drawn, or no burst left). */
  private long nextBurst = -1;

  // ---------------------------------------------------------------- the steady cursor

  /** The steady cursor's stream position: where the bursts' draws end. */
  private long steadyAt;

  /** The steady stream's items drawn. */
  private int steadyDone;

  /** Items drawn before the steady stream's (its first id is this + 1). */
  private long steadyItems;

  /** The next steady item's start, drawn (-1: not yet drawn, or none left). */
  private long nextSteady = -1;

  /** The thread's delayed work, once the main cursor drew it. */
  private WorkItem dwork;

  private ScriptDrawer(
      WqTopology topo, int index, Workload w, long self, long mainAt, long steadyAt, long base) {
    this.topo = topo;
    this.index = index;
    this.w = w;
    this.self = self;
    this.mainAt = mainAt;
    this.steadyAt = steadyAt;
    this.steadyItems = base;
  }

  /**
   * The drawer of thread {@code index} (entity {@code self}) whose script starts at {@code
   * stream}'s position; {@code stream} is left where a script drawn whole leaves it.
   */
  static ScriptDrawer start(WqTopology topo, int index, Workload w, int self, SplitMix64 stream) {
    long at = stream.state();
    ScriptDrawer probe = new ScriptDrawer(topo, index, w, self, at, 0, 0);
    while (probe.mainUnit(stream, null)) {}
    long steadyAt = stream.state();
    long base = probe.mainItems;
    probe.steadyAt = steadyAt;
    probe.steadyItems = base;
    while (probe.steadyUnit(stream, null)) {}
    ScriptDrawer d = new ScriptDrawer(topo, index, w, self, at, steadyAt, base);
    d.dwork = probe.dwork;
    return d;
  }

  /** The thread's delayed work ({@code dwork}): drawn after the first burst's start. */
  WorkItem delayedWork() {
    return dwork;
  }

  private int bursts() {
    return Math.max(1, w.bursts());
  }

  private int warmupUnits() {
    return w.warmupItems() + w.warmupUnboundItems() + w.longItems() + w.longUnboundItems();
  }

  /**
   * Appends the next actions to {@code out} (cleared first) until it holds {@link #WINDOW} or the
   * script ends; false when nothing was left to draw.
   */
  boolean fill(Script out) {
    out.clear();
    SplitMix64 main = new SplitMix64(mainAt);
    SplitMix64 steady = new SplitMix64(steadyAt);
    while (out.size() < WINDOW && next(main, steady, out)) {}
    mainAt = main.state();
    steadyAt = steady.state();
    return out.size() > 0;
  }

  /**
   * One unit: the main cursor's while it is in the warm-up or a burst, else the earlier segment.
   */
  private boolean next(SplitMix64 main, SplitMix64 steady, Script out) {
    if (warm <= warmupUnits() + 1 || burstLeft > 0) return mainUnit(main, out);
    if (nextSteady < 0 && steadyDone == 0 && w.steadyItems() > 0)
      nextSteady = w.steadyStart().sample(steady);
    if (nextBurst >= 0 && (nextSteady < 0 || nextBurst <= nextSteady)) return mainUnit(main, out);
    if (nextSteady >= 0) return steadyUnit(steady, out);
    return false;
  }

  /**
   * Draws the main cursor's next unit from {@code r} into {@code out} (null: drawn and dropped);
   * false when the warm-up and the bursts are all drawn.
   */
  private boolean mainUnit(SplitMix64 r, Script out) {
    int units = warmupUnits();
    if (warm == 0) {
      add(out, Kind.SLEEP_UNTIL, w.warmupAt().sample(r), false, -1, null);
      warm++;
      return true;
    }
    if (warm <= units) {
      int k = warm - 1;
      int local = topo.pool(index);
      int unbound = topo.unboundPool();
      int n1 = w.warmupItems();
      int n2 = n1 + w.warmupUnboundItems();
      int n3 = n2 + w.longItems();
      if (k < n1) queue(r, out, local, normal(r, ++mainItems));
      else if (k < n2) queue(r, out, unbound, normal(r, ++mainItems));
      else if (k < n3) queue(r, out, local, longItem(r, ++mainItems));
      else queue(r, out, unbound, longItem(r, ++mainItems));
      warm++;
      if (warm <= units) return true;
    }
    if (warm == units + 1) { // the first burst's start, then the delayed work's durations
      warm++;
      nextBurst = w.burstAt().sample(r);
      long cpu1 = w.itemCpu().sample(r);
      long cpu2 = w.itemCpu().sample(r);
      dwork = new WorkItem(self << 32, WorkKind.DELAYED, cpu1, 0, cpu2, -1, (int) self);
      return true;
    }
    if (burstLeft > 0) {
      burstItem(r, out);
      if (--burstLeft == 0) endBurst(r);
      return true;
    }
    if (nextBurst < 0) return false;
    // a burst begins: its sleep, then its items
    add(out, Kind.SLEEP_UNTIL, nextBurst, false, -1, null);
    burstsBegun++;
    burstLeft = w.burstItems();
    if (burstLeft == 0) endBurst(r);
    return true;
  }

  /** A burst's items are drawn: the next burst's start follows in the stream. */
  private void endBurst(SplitMix64 r) {
    if (burstsBegun < bursts()) nextBurst += w.burstEvery().sample(r);
    else nextBurst = -1;
  }

  /** One burst item (see {@link Kicker}'s burst): think, then queue or arm the delayed work. */
  private void burstItem(SplitMix64 r, Script out) {
    add(out, Kind.COMPUTE, w.think().sample(r), true, -1, null);
    double u = r.nextDouble();
    int local = topo.pool(index);
    if (r.nextDouble() < w.delayedFraction()) {
      add(out, Kind.COMPUTE, w.syscall().sample(r), false, -1, null);
      add(out, Kind.QUEUE_DELAYED, w.delay().sample(r), false, local, null);
      return;
    }
    int target;
    if (u < w.unboundFraction()) target = topo.unboundPool();
    else if (u < w.unboundFraction() + w.remoteFraction() && topo.cpus > 1) {
      int other = r.nextInt(topo.cpus - 1);
      target = topo.pool(other >= index ? other + 1 : other);
    } else target = local;
    WorkItem item = normal(r, ++mainItems); // drawn before the syscall
    add(out, Kind.COMPUTE, w.syscall().sample(r), false, -1, null);
    add(out, Kind.QUEUE, 0, false, target, item);
  }

  /**
   * Draws the steady cursor's next item from {@code r} into {@code out} (null: dropped); false when
   * the stream is all drawn.
   */
  private boolean steadyUnit(SplitMix64 r, Script out) {
    if (steadyDone >= w.steadyItems()) return false;
    if (nextSteady < 0) nextSteady = w.steadyStart().sample(r); // only before the first item
    long t = nextSteady;
    add(out, Kind.SLEEP_UNTIL, t, false, -1, null);
    int pool = target(r);
    WorkItem work = normal(r, ++steadyItems);
    add(out, Kind.COMPUTE, w.syscall().sample(r), false, -1, null);
    add(out, Kind.QUEUE, 0, false, pool, work);
    steadyDone++;
    nextSteady = steadyDone < w.steadyItems() ? t + w.steadyPeriod().sample(r) : -1;
    return true;
  }

  /** A steady item's pool: unbound, another CPU's or the local one, by the burst's fractions. */
  private int target(SplitMix64 r) {
    double u = r.nextDouble();
    if (u < w.unboundFraction()) return topo.unboundPool();
    if (u < w.unboundFraction() + w.remoteFraction() && topo.cpus > 1) {
      int other = r.nextInt(topo.cpus - 1);
      return topo.pool(other >= index ? other + 1 : other);
    }
    return topo.pool(index);
  }

  private void queue(SplitMix64 r, Script out, int pool, WorkItem item) {
    add(out, Kind.COMPUTE, w.syscall().sample(r), false, -1, null);
    add(out, Kind.QUEUE, 0, false, pool, item);
  }

  private WorkItem normal(SplitMix64 r, long n) {
    long cpu1 = w.itemCpu().sample(r);
    boolean sleeps = r.nextDouble() < w.sleepProbability();
    long sleep = sleeps ? w.itemSleep().sample(r) : 0;
    long cpu2 = sleeps ? w.itemCpu().sample(r) : 1;
    return new WorkItem((self << 32) | n, WorkKind.NORMAL, cpu1, sleep, cpu2, -1, -1);
  }

  private WorkItem longItem(SplitMix64 r, long n) {
    return new WorkItem(
        (self << 32) | n,
        WorkKind.LONG,
        w.itemCpu().sample(r),
        w.longSleep().sample(r),
        w.itemCpu().sample(r),
        -1,
        -1);
  }

  private static void add(Script out, Kind kind, long value, boolean flag, int pool, WorkItem it) {
    if (out != null) out.add(kind, value, flag, pool, it);
  }
}
