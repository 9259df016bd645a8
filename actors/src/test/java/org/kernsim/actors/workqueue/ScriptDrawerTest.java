package org.kernsim.actors.workqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.workqueue.Kicker.Kind;
import org.kernsim.engine.EntityRuntime;
import org.kernsim.engine.SplitMix64;
import org.kernsim.models.Models;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WorkItem.WorkKind;

/**
 * A workload thread's script drawn lazily ({@link ScriptDrawer}, a window at a time) is the script
 * drawn whole at time 0 (the code the {@link Kicker} had before, kept here as the reference): the
 * same actions in the same order, the same work items (ids and durations), and the thread's stream
 * left at the same position — for several seeds, threads and workload shapes (bursts and a steady
 * stream interleaved, ties between them, empty bursts, no warm-up).
 */
class ScriptDrawerTest {

  /** One action of a script, as the thread would run it. */
  record Action(Kind kind, long value, boolean flag, int pool, WorkItem item) {}

  @Test
  void lazyDrawingIsTheEagerScript() {
    List<List<String>> shapes =
        List.of(
            List.of("machine.cpus=8"), // workqueue-load: 5 bursts and 100 stream items
            List.of("machine.cpus=3", "workload.bursts=1", "workload.steady-items=0"),
            List.of("machine.cpus=1", "workload.bursts=3", "workload.steady-items=0"),
            List.of(
                "machine.cpus=4",
                "workload.delayed-fraction=0.5",
                "workload.steady-items=7",
                "workload.warmup-items=0",
                "workload.warmup-unbound-items=0",
                "workload.long-items=2",
                "workload.long-unbound-items=1"),
            // ties: bursts and stream items that start at the same instants
            List.of(
                "machine.cpus=2",
                "workload.burst-at=\"fixed(10ms)\"",
                "workload.burst-every=\"fixed(5ms)\"",
                "workload.steady-start=\"fixed(5ms)\"",
                "workload.steady-period=\"fixed(5ms)\"",
                "workload.steady-items=9"),
            List.of("machine.cpus=2", "workload.burst-items=0", "workload.steady-items=4"));
    int compared = 0;
    for (List<String> shape : shapes) {
      WorkqueueModel.WqSimulation sim =
          (WorkqueueModel.WqSimulation) Models.load("workqueue-load", shape).build();
      WqTopology topo = sim.topology();
      for (long seed : new long[] {1, 2, 7, 518}) {
        for (int index = 0; index < topo.cpus; index++) {
          int self = topo.kickerBase + index;
          long at = EntityRuntime.streamSeed(seed, self);
          SplitMix64 eagerStream = new SplitMix64(at);
          Eager eager = new Eager(topo, index, sim.workload, self);
          eager.start(eagerStream);

          SplitMix64 lazyStream = new SplitMix64(at);
          ScriptDrawer d = ScriptDrawer.start(topo, index, sim.workload, self, lazyStream);
          String what = shape + " seed " + seed + " thread " + index;
          assertEquals(eagerStream.state(), lazyStream.state(), what + ": stream position");
          assertEquals(eager.dwork, d.delayedWork(), what + ": the delayed work");
          List<Action> lazy = new ArrayList<>();
          Kicker.Script window = new Kicker.Script();
          int fills = 0;
          while (d.fill(window)) {
            fills++;
            assertTrue(window.size() <= ScriptDrawer.WINDOW + 2, what + ": a window");
            for (int i = 0; i < window.size(); i++)
              lazy.add(
                  new Action(
                      window.kind(i),
                      window.value(i),
                      window.flag(i),
                      window.pool(i),
                      window.kind(i) == Kind.QUEUE ? window.item(i) : null));
          }
          for (int i = 0; i < Math.min(eager.script.size(), lazy.size()); i++)
            assertEquals(eager.script.get(i), lazy.get(i), what + ": action " + i);
          assertEquals(eager.script.size(), lazy.size(), what + ": actions");
          assertTrue(fills > 1 || eager.script.size() <= ScriptDrawer.WINDOW + 2, what);
          compared += lazy.size();
        }
      }
    }
    assertTrue(compared > 10_000, compared + " actions compared");
  }

  /**
   * {@code workqueue-load}'s traceSha256 pinned from before the lazy drawing (the scripts drawn
   * whole at time 0; {@code run workqueue-load --set machine.cpus=8 --until 40ms --seed 5} and the
   * whole built-in run at 8 CPUs, seed 1).
   */
  @Test
  void workqueueLoadHashIsUnchanged() {
    assertEquals(
        "57c9b4ce26d11ad68797d06758d1357afa7a5bbf87f71c90e46df7a83e424681",
        hash(List.of("machine.cpus=8", "scenario.until=40ms"), 5));
    assertEquals(
        "1c2bc2172ac0c6441bea18e40fe11495cbd5f05507afc8ffeef8fd9fd9265563",
        hash(List.of("machine.cpus=8"), 1));
  }

  private static String hash(List<String> sets, long seed) {
    org.kernsim.scenario.Scenario s = Models.load("workqueue-load", sets);
    return org.kernsim.engine.SequentialDriver.run(
            s.build(), org.kernsim.engine.RunOptions.of(seed, s.until()))
        .traceSha256();
  }

  /** The eager script of the {@link Kicker} before {@link ScriptDrawer}, verbatim in its draws. */
  static final class Eager {
    private final WqTopology topo;
    private final int index;
    private final Workload w;
    private final int self;
    final List<Action> script = new ArrayList<>();
    WorkItem dwork;
    private long items;

    Eager(WqTopology topo, int index, Workload w, int self) {
      this.topo = topo;
      this.index = index;
      this.w = w;
      this.self = self;
    }

    private static void add(List<Action> out, Kind k, long v, boolean f, int pool, WorkItem it) {
      out.add(new Action(k, v, f, pool, k == Kind.QUEUE ? it : null));
    }

    private record Segment(long start, int order, List<Action> actions) {}

    void start(RandomGenerator r) {
      int local = topo.pool(index);
      int unbound = topo.unboundPool();
      long warm = w.warmupAt().sample(r);
      add(script, Kind.SLEEP_UNTIL, warm, false, -1, null);
      for (int i = 0; i < w.warmupItems(); i++) queue(r, local, normal(r));
      for (int i = 0; i < w.warmupUnboundItems(); i++) queue(r, unbound, normal(r));
      for (int i = 0; i < w.longItems(); i++) queue(r, local, longItem(r));
      for (int i = 0; i < w.longUnboundItems(); i++) queue(r, unbound, longItem(r));
      long burst = w.burstAt().sample(r);
      add(script, Kind.SLEEP_UNTIL, burst, false, -1, null);
      dwork =
          new WorkItem(
              ((long) self << 32),
              WorkKind.DELAYED,
              w.itemCpu().sample(r),
              0,
              w.itemCpu().sample(r),
              -1,
              self);
      if (w.bursts() == 1 && w.steadyItems() == 0) {
        burst(r, script, local, unbound);
      } else {
        List<Segment> segments = new ArrayList<>();
        Segment first = new Segment(burst, segments.size(), new ArrayList<>());
        burst(r, first.actions, local, unbound);
        segments.add(first);
        long at = burst;
        for (int b = 1; b < w.bursts(); b++) {
          at += w.burstEvery().sample(r);
          Segment next = new Segment(at, segments.size(), new ArrayList<>());
          add(next.actions, Kind.SLEEP_UNTIL, at, false, -1, null);
          burst(r, next.actions, local, unbound);
          segments.add(next);
        }
        long t = w.steadyItems() > 0 ? w.steadyStart().sample(r) : 0;
        for (int i = 0; i < w.steadyItems(); i++) {
          if (i > 0) t += w.steadyPeriod().sample(r);
          Segment item = new Segment(t, segments.size(), new ArrayList<>());
          add(item.actions, Kind.SLEEP_UNTIL, t, false, -1, null);
          int pool = target(r, local, unbound);
          WorkItem work = normal(r);
          add(item.actions, Kind.COMPUTE, w.syscall().sample(r), false, -1, null);
          add(item.actions, Kind.QUEUE, 0, false, pool, work);
          segments.add(item);
        }
        segments.sort(Comparator.comparingLong(Segment::start).thenComparingInt(Segment::order));
        script.remove(script.size() - 1);
        for (Segment g : segments) {
          if (g == first) add(script, Kind.SLEEP_UNTIL, burst, false, -1, null);
          script.addAll(g.actions);
        }
      }
    }

    private void burst(RandomGenerator r, List<Action> out, int local, int unbound) {
      for (int i = 0; i < w.burstItems(); i++) {
        add(out, Kind.COMPUTE, w.think().sample(r), true, -1, null);
        double u = r.nextDouble();
        if (r.nextDouble() < w.delayedFraction()) {
          add(out, Kind.COMPUTE, w.syscall().sample(r), false, -1, null);
          add(out, Kind.QUEUE_DELAYED, w.delay().sample(r), false, local, dwork);
          continue;
        }
        int target;
        if (u < w.unboundFraction()) target = unbound;
        else if (u < w.unboundFraction() + w.remoteFraction() && topo.cpus > 1) {
          int other = r.nextInt(topo.cpus - 1);
          target = topo.pool(other >= index ? other + 1 : other);
        } else target = local;
        WorkItem item = normal(r);
        add(out, Kind.COMPUTE, w.syscall().sample(r), false, -1, null);
        add(out, Kind.QUEUE, 0, false, target, item);
      }
    }

    private int target(RandomGenerator r, int local, int unbound) {
      double u = r.nextDouble();
      if (u < w.unboundFraction()) return unbound;
      if (u < w.unboundFraction() + w.remoteFraction() && topo.cpus > 1) {
        int other = r.nextInt(topo.cpus - 1);
        return topo.pool(other >= index ? other + 1 : other);
      }
      return local;
    }

    private void queue(RandomGenerator r, int pool, WorkItem item) {
      add(script, Kind.COMPUTE, w.syscall().sample(r), false, -1, null);
      add(script, Kind.QUEUE, 0, false, pool, item);
    }

    private WorkItem normal(RandomGenerator r) {
      long cpu1 = w.itemCpu().sample(r);
      boolean sleeps = r.nextDouble() < w.sleepProbability();
      long sleep = sleeps ? w.itemSleep().sample(r) : 0;
      long cpu2 = sleeps ? w.itemCpu().sample(r) : 1;
      return new WorkItem(
          ((long) self << 32) | ++items, WorkKind.NORMAL, cpu1, sleep, cpu2, -1, -1);
    }

    private WorkItem longItem(RandomGenerator r) {
      return new WorkItem(
          ((long) self << 32) | ++items,
          WorkKind.LONG,
          w.itemCpu().sample(r),
          w.longSleep().sample(r),
          w.itemCpu().sample(r),
          -1,
          -1);
    }
  }
}
