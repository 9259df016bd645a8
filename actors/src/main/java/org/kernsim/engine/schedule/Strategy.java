package org.kernsim.engine.schedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.kernsim.engine.EntityRuntime;
import org.kernsim.engine.Latency;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.SplitMix64;

/**
 * How an exploration perturbs the schedules it forks from one snapshot. A schedule is the
 * snapshot's simulation going on under one perturbation, and its identity is {@code (scenario and
 * settings, scenario seed, fork time, strategy and its parameters, perturbation seed)}: the same
 * identity gives the same run, byte for byte.
 *
 * <p>Strategies act only where the model leaves a choice, so they never make an order the kernel
 * cannot have:
 *
 * <ul>
 *   <li>the delays the model draws from its latency classes and distributions ({@link Latency}): a
 *       strategy picks a value, always within the class's {@code [min, max]} — a fixed latency
 *       stays fixed, so what the model keeps FIFO stays FIFO; explicit delays (compute time,
 *       timers) are the model's and are not touched;
 *   <li>the order of events due at the same nanosecond at one entity from different sources (the
 *       canonical order by source id is a tie-break, not physics); events of one source keep their
 *       order.
 * </ul>
 *
 * <p>{@link Kind#RANDOM}: every entity's streams are re-seeded from the schedule's identity (the
 * model's distributions, fresh draws) and same-time sources are ordered by a random permutation.
 * {@link Kind#PCT}: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
 * ASPLOS 2010) over the entities that act after the fork: each gets a random distinct priority, and
 * {@code depth - 1} change points are drawn uniformly among the {@code k} delay draws a pilot run
 * made; an entity's delays take the place of its priority in the class's range (the highest
 * priority the minimum, the lowest the maximum — it "runs last"), at the i-th change point the
 * drawing entity drops below every other, and same-time sources are ordered by the initial
 * priorities. {@link Kind#DELAY_BOUND}: delay-bounded scheduling (Emmi, Qadeer, Rakamarić, POPL
 * 2011): the default schedule is the snapshot's own continuation (the model's own draws), and up to
 * {@code bound} of its delay draws, chosen uniformly among the pilot's {@code k}, are deviations:
 * the class's maximum (the most the model lets that step be delayed).
 *
 * @param kind the strategy
 * @param depth PCT's depth {@code d} (bugs of depth {@code d} are found with probability at least
 *     {@code 1/(n k^(d-1))} per schedule)
 * @param bound delay-bounding's most deviations per schedule
 */
public record Strategy(Kind kind, int depth, int bound) {

  public enum Kind {
    RANDOM,
    PCT,
    DELAY_BOUND;

    public String flag() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  public Strategy {
    if (depth < 1) throw new IllegalArgumentException("PCT depth must be >= 1: " + depth);
    if (bound < 0) throw new IllegalArgumentException("delay bound must be >= 0: " + bound);
  }

  public static Strategy random() {
    return new Strategy(Kind.RANDOM, 1, 0);
  }

  /**
   * Whether its schedules need the pilot (the unperturbed continuation's delay draws): PCT and
   * delay-bounding place their change points and deviations among them; random does not.
   */
  public boolean needsPilot() {
    return kind != Kind.RANDOM;
  }

  /** The command-line options that select this strategy. */
  public List<String> flags() {
    List<String> f = new ArrayList<>(List.of("--strategy", kind.flag()));
    if (kind == Kind.PCT) f.addAll(List.of("--pct-depth", Integer.toString(depth)));
    if (kind == Kind.DELAY_BOUND) f.addAll(List.of("--delay-bound", Integer.toString(bound)));
    return f;
  }

  /** What a pilot run (the snapshot's unperturbed continuation) saw after the fork. */
  public record Pilot(long draws, int[] active) {
    public Pilot {
      active = active.clone();
    }
  }

  /** The seed of schedule {@code (scenarioSeed, forkAt, perturbation)}. */
  public static long scheduleSeed(long scenarioSeed, long forkAt, long perturbation) {
    return EntityRuntime.streamSeed(
        EntityRuntime.streamSeed(scenarioSeed, forkAt ^ 0x5DEECE66DL), perturbation);
  }

  /**
   * The perturbation of one schedule, for {@link
   * SequentialDriver#run(org.kernsim.engine.Simulation, org.kernsim.engine.RunOptions,
   * org.kernsim.engine.snapshot.StateCodec, SequentialDriver.Fork)}.
   *
   * @param entities the simulation's entity count
   * @param pilot what the unperturbed continuation drew (PCT and delay-bounding place their change
   *     points and deviations among its draws; random ignores it)
   */
  public SequentialDriver.Fork fork(
      long scenarioSeed, long forkAt, long perturbation, int entities, Pilot pilot) {
    long seed = scheduleSeed(scenarioSeed, forkAt, perturbation);
    return switch (kind) {
      case RANDOM -> new RandomFork(seed, entities);
      case PCT -> new Pct(seed, depth, entities, pilot);
      case DELAY_BOUND -> new DelayBound(seed, bound, pilot);
    };
  }

  /** A random permutation of {@code 0..n-1}. */
  static int[] permutation(int n, RandomGenerator r) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** Fresh draws from the model's own distributions, same-time sources in a random order. */
  static final class RandomFork implements SequentialDriver.Fork {
    private final long seed;
    private final int[] ranks;

    RandomFork(long seed, int entities) {
      this.seed = seed;
      this.ranks = permutation(entities, new SplitMix64(seed ^ 0x2545F4914F6CDD1DL));
    }

    @Override
    public void restored(EntityRuntime rt) {
      rt.reseed(EntityRuntime.streamSeed(seed, rt.id()), EntityRuntime.streamSeed(~seed, rt.id()));
    }

    @Override
    public int[] ranks() {
      return ranks;
    }
  }

  /** An entity's stream as a strategy sees it: its draws, and the strategy's delays. */
  private static final class View implements RandomGenerator, Latency.Chooser {
    private final SplitMix64 stream;
    private final int entity;
    private final Chooser plan;

    View(SplitMix64 stream, int entity, Chooser plan) {
      this.stream = stream;
      this.entity = entity;
      this.plan = plan;
    }

    @Override
    public long nextLong() {
      return stream.nextLong();
    }

    @Override
    public int nextInt() {
      return stream.nextInt();
    }

    @Override
    public long choose(Latency latency) {
      return plan.choose(entity, latency, stream);
    }
  }

  /** A strategy's choice of one delay of {@code entity}. */
  interface Chooser {
    long choose(int entity, Latency latency, SplitMix64 stream);
  }

  /** Counts the delay draws after the fork and who made them; draws as the model would. */
  public static final class Counting implements SequentialDriver.Fork, Chooser {
    private long draws;
    private final java.util.BitSet active = new java.util.BitSet();

    @Override
    public void restored(EntityRuntime rt) {
      rt.perturb(s -> new View(s, rt.id(), this));
    }

    @Override
    public long choose(int entity, Latency latency, SplitMix64 stream) {
      draws++;
      active.set(entity);
      return latency.draw(stream);
    }

    public Pilot pilot() {
      return new Pilot(draws, active.stream().toArray());
    }
  }

  /** Probabilistic concurrency testing over the entities that act after the fork. */
  static final class Pct implements SequentialDriver.Fork, Chooser {
    private final int n;
    private final int[] index; // entity id -> its index among the active, or -1
    private final int[] priority; // by index: higher runs first
    private final long[] changePoints; // draw numbers, ascending
    private int nextChange;
    private long draws;
    private final double[] position; // by index: 0 = highest priority .. 1 = lowest
    private final int[] ranks;

    Pct(long seed, int depth, int entities, Pilot pilot) {
      SplitMix64 r = new SplitMix64(seed);
      int[] active = pilot.active();
      this.n = active.length;
      this.index = new int[entities];
      Arrays.fill(index, -1);
      for (int i = 0; i < n; i++) index[active[i]] = i;
      int[] perm = permutation(n, r);
      this.priority = new int[n];
      // PCT's initial priorities d .. d+n-1; the change points give 1 .. d-1, below all of them
      for (int i = 0; i < n; i++) priority[i] = depth + perm[i];
      long k = Math.max(1, pilot.draws());
      this.changePoints = new long[depth - 1];
      for (int i = 0; i < changePoints.length; i++) changePoints[i] = 1 + r.nextLong(k);
      Arrays.sort(changePoints);
      this.position = new double[n];
      placePositions();
      this.ranks = new int[entities];
      for (int id = 0; id < entities; id++)
        ranks[id] = index[id] >= 0 ? (int) Math.round(position[index[id]] * (n - 1)) : n + id;
    }

    /** The change points (draw numbers at which the drawing entity's priority drops). */
    long[] changePoints() {
      return changePoints.clone();
    }

    /** Each active entity's place in the priority order, as a fraction of the range. */
    private void placePositions() {
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) order[i] = i;
      Arrays.sort(order, (a, b) -> Integer.compare(priority[b], priority[a]));
      for (int q = 0; q < n; q++) position[order[q]] = n == 1 ? 0 : (double) q / (n - 1);
    }

    @Override
    public void restored(EntityRuntime rt) {
      rt.perturb(s -> new View(s, rt.id(), this));
    }

    @Override
    public int[] ranks() {
      return ranks;
    }

    @Override
    public long choose(int entity, Latency latency, SplitMix64 stream) {
      draws++;
      int i = entity < index.length ? index[entity] : -1;
      if (i < 0) return latency.draw(stream); // an entity the pilot never saw act
      boolean changed = false;
      while (nextChange < changePoints.length && changePoints[nextChange] == draws) {
        nextChange++;
        priority[i] = nextChange; // PCT: at the j-th change point the priority becomes j (< d)
        changed = true;
      }
      if (changed) placePositions();
      long lo = latency.min();
      long hi = latency.max();
      return lo + Math.round((hi - lo) * position[i]);
    }
  }

  /** Delay-bounded: the default continuation, with up to {@code bound} steps delayed. */
  static final class DelayBound implements SequentialDriver.Fork, Chooser {
    private final long[] deviations; // draw numbers, ascending
    private int next;
    private long draws;

    DelayBound(long seed, int bound, Pilot pilot) {
      SplitMix64 r = new SplitMix64(seed);
      long k = Math.max(1, pilot.draws());
      this.deviations = new long[bound];
      for (int i = 0; i < bound; i++) deviations[i] = 1 + r.nextLong(k);
      Arrays.sort(deviations);
    }

    @Override
    public void restored(EntityRuntime rt) {
      rt.perturb(s -> new View(s, rt.id(), this));
    }

    @Override
    public long choose(int entity, Latency latency, SplitMix64 stream) {
      draws++;
      long v = latency.draw(stream); // drawn anyway: the default schedule's draws stay aligned
      boolean deviate = false;
      while (next < deviations.length && deviations[next] == draws) {
        next++;
        deviate = true;
      }
      return deviate ? latency.max() : v;
    }
  }
}
