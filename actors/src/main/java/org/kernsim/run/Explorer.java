package org.kernsim.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.kernsim.engine.Coverage;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.StopRequest;
import org.kernsim.engine.Violation;
import org.kernsim.engine.schedule.Forks;
import org.kernsim.engine.schedule.Strategy;
import org.kernsim.models.Models;
import org.kernsim.protocol.explore.ExploreResult;
import org.kernsim.protocol.explore.ExploreWork;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;

/**
 * Runs one scenario over many schedules, in parallel on all cores, one schedule per thread at a
 * time with the sequential driver (the same history, hash and verdicts as the actor driver, at a
 * fraction of the cost). Every schedule runs to its end so that each checker's verdict is counted.
 *
 * <p>A schedule is a scenario seed, or — forking ({@link Plan#forkAt} {@code >= 0}) — a scenario
 * seed simulated once up to the fork time, then resumed from its in-memory snapshot under {@link
 * Plan#forks} perturbations of the {@link Plan#strategy}. Schedules are numbered seed-major (seed
 * {@code first} with perturbations {@code 1..forks}, then the next seed...), which fixes "schedules
 * to the first counterexample" whatever the threads do.
 *
 * <p>Results stream: a schedule's result is folded into counts, merged histograms and per-schedule
 * distributions as it arrives and then dropped; a violating schedule is handed to the listener and
 * only its identity is kept (the first {@value #KEPT} of them). An exploration that violates often
 * therefore needs no more memory than one that never does.
 */
public final class Explorer {

  /** Violating schedules kept in the report (the rest are counted, and streamed). */
  public static final int KEPT = 1000;

  /**
   * What to explore.
   *
   * @param first the first scenario seed
   * @param last the last scenario seed (inclusive)
   * @param untilOverride virtual-time limit, or -1 for the scenario's
   * @param stopAtFirst stop taking schedules once one violates (those running finish)
   * @param forkAt fork each seed at this virtual time (-1: no forking, each seed is one schedule)
   * @param forks perturbations per forked seed ({@code 1..forks})
   * @param strategy how forked schedules are perturbed
   * @param coverage count the abstract states and transitions the schedules reach
   * @param swarm swarm testing: each schedule switches a subset of the fault plan on ({@link
   *     org.kernsim.run.swarm.Swarm}; not with forking)
   */
  public record Plan(
      String scenario,
      List<String> overrides,
      long first,
      long last,
      long untilOverride,
      int threads,
      boolean stopAtFirst,
      long forkAt,
      long forks,
      Strategy strategy,
      boolean coverage,
      boolean swarm) {

    /** The plan as given; {@link #validate()} says whether it is one that can run. */
    public Plan {
      overrides = List.copyOf(overrides);
      java.util.Objects.requireNonNull(strategy, "strategy");
    }

    /**
     * A plan of {@code scenario}: seed 1, no forking, one thread, until set (see {@link Builder}).
     */
    public static Builder builder(String scenario) {
      return new Builder(scenario);
    }

    /** A plain exploration of seeds {@code first..last}. */
    public static Plan seeds(
        String scenario, List<String> overrides, long first, long last, long until, int threads) {
      return builder(scenario)
          .overrides(overrides)
          .seeds(first, last)
          .until(until)
          .threads(threads)
          .build();
    }

    /**
     * The one check of a plan, made by every exploration before it runs ({@link Explorer}, {@link
     * GuidedExplorer}, {@link ClusterExplorer}, the {@code explore} command): the seed range, forks
     * and strategy only with a fork time, swarm testing only without, and a schedule count that
     * fits in a long. Returns the plan.
     *
     * @throws BadInputException naming the option at fault
     */
    public Plan validate() {
      if (first < 0 || last < first)
        throw new BadInputException(
            "--seeds " + first + ".." + last + ": expected A..B with 0 <= A <= B");
      if (!forking() && forks != 1)
        throw new BadInputException(
            "--forks " + forks + ": needs --fork-at (0: fork from the start)");
      if (forks < 1) throw new BadInputException("--forks " + forks + ": must be >= 1");
      if (!forking() && strategy.kind() != Strategy.Kind.RANDOM)
        throw new BadInputException(
            "--strategy "
                + strategy.kind().flag()
                + ": needs --fork-at (0: perturb from the start)");
      if (swarm && forking())
        throw new BadInputException(
            "--swarm: not with --fork-at (a swarm schedule is a seed's whole run with a subset of"
                + " the fault plan)");
      if (schedules() < 0)
        throw new BadInputException(
            "--seeds "
                + first
                + ".."
                + last
                + ": more schedules than kernsim can count (at most 2^63 - 1)");
      return this;
    }

    /** Builds a {@link Plan}; every field has a default (seeds 1..1, the scenario's until...). */
    public static final class Builder {
      private final String scenario;
      private List<String> overrides = List.of();
      private long first = 1;
      private long last = 1;
      private long until = -1;
      private int threads = 1;
      private boolean stopAtFirst;
      private long forkAt = -1;
      private long forks = 1;
      private Strategy strategy = Strategy.random();
      private boolean coverage;
      private boolean swarm;

      private Builder(String scenario) {
        this.scenario = scenario;
      }

      /** The scenario's {@code --set} overrides. */
      public Builder overrides(List<String> v) {
        overrides = v;
        return this;
      }

      /** Scenario seeds {@code first..last}, inclusive. */
      public Builder seeds(long first, long last) {
        this.first = first;
        this.last = last;
        return this;
      }

      /** Virtual-time limit in ns (-1: the scenario's). */
      public Builder until(long v) {
        until = v;
        return this;
      }

      public Builder threads(int v) {
        threads = v;
        return this;
      }

      public Builder stopAtFirst(boolean v) {
        stopAtFirst = v;
        return this;
      }

      /** Fork each seed at {@code forkAt} ns into {@code forks} schedules (-1: no forking). */
      public Builder fork(long forkAt, long forks) {
        this.forkAt = forkAt;
        this.forks = forks;
        return this;
      }

      public Builder strategy(Strategy v) {
        strategy = v;
        return this;
      }

      public Builder coverage(boolean v) {
        coverage = v;
        return this;
      }

      public Builder swarm(boolean v) {
        swarm = v;
        return this;
      }

      public Plan build() {
        return new Plan(
            scenario,
            overrides,
            first,
            last,
            until,
            threads,
            stopAtFirst,
            forkAt,
            forks,
            strategy,
            coverage,
            swarm);
      }
    }

    public boolean forking() {
      return forkAt >= 0;
    }

    /** How many schedules the plan has, or -1 if more than fit in a long. */
    public long schedules() {
      long seeds = last - first; // >= 0
      if (seeds == Long.MAX_VALUE) return -1;
      seeds++;
      long hi = Math.multiplyHigh(seeds, forks);
      long n = seeds * forks;
      return hi != 0 || n < 0 ? -1 : n;
    }

    /** Schedule number {@code index} (0-based, seed-major). */
    public Schedule schedule(long index) {
      return new Schedule(first + index / forks, forking() ? 1 + index % forks : 0);
    }

    /** The exact command that reruns {@code s}. */
    public String replay(Schedule s) {
      List<String> sets = overrides;
      if (swarm) {
        org.kernsim.run.swarm.Swarm sw =
            org.kernsim.run.swarm.Swarm.of(Models.load(scenario, overrides));
        sets = new ArrayList<>(overrides);
        sets.addAll(sw.offSets(sw.subset(s.seed())));
      }
      RunSpec spec =
          new RunSpec(
              scenario,
              sets,
              s.seed(),
              untilOverride,
              null,
              forking() ? "sequential" : "actors",
              1,
              false);
      String cmd = spec.replayCommand();
      if (!forking()) return cmd;
      StringBuilder sb = new StringBuilder(cmd);
      sb.append(" --fork-at ").append(org.kernsim.scenario.Durations.format(forkAt));
      sb.append(" --perturb ").append(s.perturbation());
      if (strategy.kind() != Strategy.Kind.RANDOM)
        for (String f : strategy.flags()) sb.append(' ').append(f);
      return sb.toString();
    }
  }

  /**
   * One schedule's identity (with the plan's scenario, settings, fork time and strategy).
   *
   * @param seed the scenario seed
   * @param perturbation the perturbation seed of a forked schedule (0: not forked)
   */
  public record Schedule(long seed, long perturbation) {}

  /** A violating schedule: its number in the plan, its identity and what fired first. */
  public record Found(long index, Schedule schedule, List<String> checkers, Violation first) {}

  /** What the exploration tells as it goes. */
  public interface Listener {
    /** {@code done} schedules have run. */
    default void progress(long done) {}

    /** A schedule violated an invariant (called on the thread that ran it). */
    default void violating(Found f) {}
  }

  /** What an exploration found. */
  public record Report(
      Plan plan,
      String scenario,
      long schedulesRun,
      long violating,
      List<Found> violatingKept,
      Map<String, Long> violationsByChecker,
      Found first,
      String replay,
      double schedulesPerSecond,
      long wallMillis,
      long firstFoundMillis,
      long prefixMillis,
      long events,
      Map<String, Object> metrics,
      Map<String, Object> latencies,
      Map<String, Object> coverage,
      boolean interrupted,
      Map<String, Object> swarm) {

    public Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("scenario", scenario);
      m.put("seeds", plan.first() + ".." + plan.last());
      if (plan.forking()) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("forkAtNanos", plan.forkAt());
        f.put("forksPerSeed", plan.forks());
        f.put("strategy", plan.strategy().kind().flag());
        if (plan.strategy().kind() == Strategy.Kind.PCT) f.put("pctDepth", plan.strategy().depth());
        if (plan.strategy().kind() == Strategy.Kind.DELAY_BOUND)
          f.put("delayBound", plan.strategy().bound());
        f.put(
            "scheduleIdentity",
            "scenario and settings, scenario seed, forkAtNanos, strategy and its parameters,"
                + " perturbation seed");
        f.put("prefixMillis", prefixMillis);
        m.put("fork", f);
      }
      m.put("schedulesRun", schedulesRun);
      m.put("seedsRun", schedulesRun); // the name before forking existed
      m.put("violatingSeeds", violating);
      List<Object> kept = new ArrayList<>();
      for (Found f : violatingKept) {
        if (plan.forking()) {
          Map<String, Object> one = new LinkedHashMap<>();
          one.put("seed", f.schedule().seed());
          one.put("perturbation", f.schedule().perturbation());
          kept.add(one);
        } else {
          kept.add(f.schedule().seed());
        }
      }
      m.put("violatingSeedList", kept);
      m.put("violatingSeedListNote", "at most the first " + KEPT + " violating schedules found");
      m.put("violationsByChecker", violationsByChecker);
      if (first != null) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("seed", first.schedule().seed());
        if (plan.forking()) f.put("perturbation", first.schedule().perturbation());
        f.put("schedule", first.index() + 1);
        f.put("checker", first.first().checker());
        f.put("atNanos", first.first().atNanos());
        f.put("entity", first.first().entity());
        f.put("message", first.first().message());
        f.put("replay", replay);
        m.put("firstViolation", f);
        m.put("schedulesToFirstViolation", first.index() + 1);
        m.put("millisToFirstViolation", firstFoundMillis);
      } else {
        m.put("firstViolation", null);
      }
      m.put("schedulesPerSecond", Math.round(schedulesPerSecond * 10) / 10.0);
      m.put("wallMillis", wallMillis);
      m.put("events", events);
      m.put("metrics", metrics);
      m.put("latencies", latencies);
      if (coverage != null) m.put("coverage", coverage);
      if (swarm != null) m.put("swarm", swarm);
      if (interrupted) m.put("interrupted", true);
      return m;
    }

    /** The violating seeds kept (their scenario seeds), for the text summary. */
    public List<Long> violatingSeeds() {
      return violatingKept.stream().map(f -> f.schedule().seed()).toList();
    }

    public Long firstViolationSeed() {
      return first == null ? null : first.schedule().seed();
    }

    public Violation firstViolation() {
      return first == null ? null : first.first();
    }

    public long seedsRun() {
      return schedulesRun;
    }
  }

  private Explorer() {}

  /**
   * Explores seeds {@code first..last} (inclusive), each one schedule. With {@code stopAtFirst},
   * stops taking seeds once a violating seed is found (seeds already running finish).
   */
  public static Report explore(
      String scenarioName,
      List<String> overrides,
      long first,
      long last,
      long untilOverride,
      int threads,
      boolean stopAtFirst,
      java.util.function.LongConsumer progress) {
    Plan plan =
        Plan.builder(scenarioName)
            .overrides(overrides)
            .seeds(first, last)
            .until(untilOverride)
            .threads(threads)
            .stopAtFirst(stopAtFirst)
            .build();
    return explore(
        plan,
        new Listener() {
          @Override
          public void progress(long done) {
            if (progress != null) progress.accept(done);
          }
        });
  }

  /** Explores {@code plan}, telling {@code listener} as it goes. */
  public static Report explore(Plan plan, Listener listener) {
    plan.validate();
    Scenario scenario = Models.load(plan.scenario(), plan.overrides());
    long until = plan.untilOverride() >= 0 ? plan.untilOverride() : scenario.until();
    long total = plan.schedules();
    long wallStart = System.nanoTime();
    int n = (int) Math.max(1, Math.min(plan.threads(), total));
    org.kernsim.run.swarm.Swarm swarm =
        plan.swarm() ? org.kernsim.run.swarm.Swarm.of(scenario) : null;
    Aggregate agg = new Aggregate(plan, listener, wallStart, Math.max(1, total / 200), swarm);
    AtomicLong next = new AtomicLong();
    Prefixes prefixes =
        plan.forking() ? new Prefixes(scenario, plan.forkAt(), until, plan.strategy()) : null;
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(n);
    for (int t = 0; t < n; t++) {
      Thread worker =
          new Thread(
              () -> {
                try {
                  Simulation sim = plan.forking() || swarm != null ? null : scenario.build();
                  Map<Long, Simulation> bySubset = new java.util.HashMap<>();
                  while (failure.get() == null && !StopRequest.requested()) {
                    if (plan.stopAtFirst() && agg.found()) break;
                    long i = next.getAndIncrement();
                    if (i >= total || i < 0) break; // i < 0: never, total fits in a long
                    Schedule s = plan.schedule(i);
                    Coverage cov = plan.coverage() ? new Coverage() : null;
                    Simulation one =
                        swarm == null
                            ? sim
                            : bySubset.computeIfAbsent(
                                swarm.subset(s.seed()), m -> swarm.scenarioOf(m).build());
                    RunResult r =
                        runSchedule(
                            plan,
                            one,
                            plan.forking() ? prefixes.of(s.seed()) : null,
                            s,
                            until,
                            cov);
                    agg.add(i, s, r, cov);
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                } finally {
                  done.countDown();
                }
              },
              "explore-" + t);
      worker.setDaemon(true);
      worker.start();
    }
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      StopRequest.request("interrupt");
    }
    Throwable f = failure.get();
    if (f instanceof IllegalArgumentException iae && plan.forking())
      throw new BadInputException("--fork-at: " + iae.getMessage());
    if (f instanceof RuntimeException re) throw re;
    if (f instanceof Error er) throw er;
    long wall = (System.nanoTime() - wallStart) / 1_000_000;
    return agg.report(
        scenario.name(), wall, prefixes == null ? 0 : prefixes.millis(), StopRequest.requested());
  }

  /**
   * Runs schedule {@code s} of {@code plan} whole, with the sequential driver: seed {@code
   * s.seed()} of {@code sim}, or (forking) perturbation {@code s.perturbation()} from {@code
   * prefix}, the seed's prefix. Every node of a cluster exploration runs its schedules with this.
   */
  static RunResult runSchedule(
      Plan plan, Simulation sim, Forks.Prefix prefix, Schedule s, long until, Coverage cov) {
    // nothing reads a schedule's traceSha256: a violating one is named by its identity, and its
    // replay (run, with a timeline) computes the hash again
    RunOptions options = RunOptions.of(s.seed(), until).withoutTraceHash();
    return plan.forking()
        ? Forks.schedule(prefix, plan.strategy(), s.perturbation(), options, cov)
        : SequentialDriver.run(sim, options, null, null, cov);
  }

  /** Runs one seed (the explorer's unit of work without forking). */
  public static RunResult runSeed(Scenario scenario, long seed, long until) {
    Simulation sim = scenario.build();
    return SequentialDriver.run(sim, RunOptions.of(seed, until));
  }

  public static String replay(String scenario, List<String> overrides, long seed, long until) {
    return new RunSpec(scenario, overrides, seed, until, null, "actors", 1, false).replayCommand();
  }

  /** The prefixes of forked seeds: each simulated once, by whichever thread needs it first. */
  private static final class Prefixes {
    private final Scenario scenario;
    private final Strategy strategy;
    private final long forkAt;
    private final long until;
    private final Simulation sim;
    private final org.kernsim.engine.snapshot.StateCodec codec;
    private final ConcurrentHashMap<Long, java.util.concurrent.CompletableFuture<Forks.Prefix>>
        bySeed = new ConcurrentHashMap<>();
    private final AtomicLong millis = new AtomicLong();

    Prefixes(Scenario scenario, long forkAt, long until, Strategy strategy) {
      this.strategy = strategy;
      this.scenario = scenario;
      this.forkAt = forkAt;
      this.until = until;
      this.sim = scenario.build();
      this.codec = new org.kernsim.engine.snapshot.StateCodec(sim);
    }

    Forks.Prefix of(long seed) {
      java.util.concurrent.CompletableFuture<Forks.Prefix> mine =
          new java.util.concurrent.CompletableFuture<>();
      java.util.concurrent.CompletableFuture<Forks.Prefix> f = bySeed.putIfAbsent(seed, mine);
      if (f == null) {
        try {
          Forks.Prefix p = Forks.prefix(sim, codec, seed, forkAt, until, strategy);
          millis.addAndGet(p.prefixMillis());
          mine.complete(p);
          // seeds are taken in order: an older prefix is no longer needed
          bySeed.keySet().removeIf(k -> k < seed - 64);
        } catch (RuntimeException e) {
          mine.completeExceptionally(e);
          throw e;
        }
        return mine.join();
      }
      return org.kernsim.engine.Await.result(f);
    }

    long millis() {
      return millis.get();
    }
  }

  /**
   * What the schedules produced, folded in as they arrive: counts, violating schedules (the first
   * {@value #KEPT} kept), each latency histogram merged over every schedule (percentiles of all the
   * events of all the schedules, never sums of per-schedule percentiles), and for each metric its
   * distribution over the schedules (and, for counters, its total).
   */
  static final class Aggregate {
    private final Plan plan;
    private final Listener listener;
    private final long wallStart;
    private long run;
    private long events;
    private long violating;
    private final List<Found> kept = new ArrayList<>();
    private final Map<String, Long> byChecker = new TreeMap<>();
    private Found first;
    private long firstMillis = -1;
    private final Map<String, Histogram> latencies = new TreeMap<>();
    private final Map<String, Histogram> perSchedule = new TreeMap<>();
    private final Map<String, long[]> totals = new TreeMap<>();
    private final Map<String, long[]> negatives = new TreeMap<>();
    private volatile boolean found;
    private final java.util.Set<Long> states = new java.util.HashSet<>();
    private final java.util.Set<Long> transitions = new java.util.HashSet<>();
    private final List<long[]> growth = new ArrayList<>();
    private final long growthStep;
    private final org.kernsim.run.swarm.Swarm swarm;
    // swarm testing: per subset of the fault plan, [schedules, violating]
    private final Map<String, long[]> subsets = new TreeMap<>();

    Aggregate(
        Plan plan,
        Listener listener,
        long wallStart,
        long growthStep,
        org.kernsim.run.swarm.Swarm swarm) {
      this.plan = plan;
      this.listener = listener;
      this.wallStart = wallStart;
      this.growthStep = growthStep;
      this.swarm = swarm;
    }

    boolean found() {
      return found;
    }

    /** The first violating schedule folded in so far, or null. */
    synchronized Found first() {
      return first;
    }

    synchronized long run() {
      return run;
    }

    /**
     * What this aggregate holds, for the wire: a node's batch of a cluster exploration (histograms
     * in HdrHistogram's compressed encoding; merged exactly by {@link #merge}).
     */
    synchronized ExploreResult.Partial toPartial(long prefixMillis) {
      List<ExploreWork.Violating> v = new ArrayList<>();
      for (Found f : kept)
        v.add(
            new ExploreWork.Violating(
                f.index(),
                f.schedule().seed(),
                f.schedule().perturbation(),
                List.copyOf(f.checkers()),
                f.first().checker(),
                f.first().atNanos(),
                f.first().entity(),
                f.first().message()));
      Map<String, Long> tot = new TreeMap<>();
      totals.forEach((k, t) -> tot.put(k, t[0]));
      Map<String, Long> neg = new TreeMap<>();
      negatives.forEach((k, t) -> neg.put(k, t[0]));
      Map<String, Long> subsetRun = new TreeMap<>();
      Map<String, Long> subsetViolating = new TreeMap<>();
      subsets.forEach(
          (k, c) -> {
            subsetRun.put(k, c[0]);
            subsetViolating.put(k, c[1]);
          });
      return new ExploreResult.Partial(
          run,
          events,
          prefixMillis,
          v,
          encode(latencies),
          encode(perSchedule),
          tot,
          neg,
          states.stream().mapToLong(Long::longValue).toArray(),
          transitions.stream().mapToLong(Long::longValue).toArray(),
          subsetRun,
          subsetViolating);
    }

    /**
     * Folds in a batch another node ran (its violating schedules are told to the listener, then the
     * progress). Histograms add exactly, so the merged figures are those one node would have.
     */
    void merge(ExploreResult.Partial p) {
      List<Found> found = new ArrayList<>();
      long done;
      synchronized (this) {
        done = run += p.run();
        events += p.events();
        for (long x : p.states()) states.add(x);
        for (long x : p.transitions()) transitions.add(x);
        if (plan.coverage() && done / growthStep != (done - p.run()) / growthStep)
          growth.add(new long[] {done, states.size(), transitions.size()});
        decode(p.latencies(), latencies);
        decode(p.perSchedule(), perSchedule);
        p.totals().forEach((k, v) -> totals.computeIfAbsent(k, x -> new long[1])[0] += v);
        p.negatives().forEach((k, v) -> negatives.computeIfAbsent(k, x -> new long[1])[0] += v);
        p.swarmSchedules().forEach((k, v) -> subsets.computeIfAbsent(k, x -> new long[2])[0] += v);
        p.swarmViolating().forEach((k, v) -> subsets.computeIfAbsent(k, x -> new long[2])[1] += v);
        for (ExploreWork.Violating v : p.violating()) {
          Found f =
              new Found(
                  v.index(),
                  new Schedule(v.seed(), v.perturbation()),
                  List.copyOf(v.checkers()),
                  new Violation(v.checker(), v.atNanos(), v.entity(), v.message()));
          violating++;
          for (String c : f.checkers()) byChecker.merge(c, 1L, Long::sum);
          if (kept.size() < KEPT) kept.add(f);
          if (first == null || f.index() < first.index()) {
            first = f;
            firstMillis = (System.nanoTime() - wallStart) / 1_000_000;
          }
          this.found = true;
          found.add(f);
        }
      }
      for (Found f : found) listener.violating(f);
      listener.progress(done);
    }

    private static Map<String, byte[]> encode(Map<String, Histogram> hs) {
      Map<String, byte[]> out = new TreeMap<>();
      hs.forEach(
          (k, h) -> {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(h.getNeededByteBufferCapacity());
            int n = h.encodeIntoCompressedByteBuffer(b);
            out.put(k, java.util.Arrays.copyOf(b.array(), n));
          });
      return out;
    }

    private static void decode(Map<String, byte[]> in, Map<String, Histogram> into) {
      in.forEach(
          (k, bytes) -> {
            try {
              Histogram h =
                  Histogram.decodeFromCompressedByteBuffer(java.nio.ByteBuffer.wrap(bytes), 0);
              into.computeIfAbsent(k, x -> new Histogram(3)).add(h);
            } catch (java.util.zip.DataFormatException e) {
              throw new IllegalStateException("a node sent an unreadable histogram " + k, e);
            }
          });
    }

    void add(long index, Schedule s, RunResult r, Coverage cov) {
      Found f = null;
      if (!r.violations().isEmpty()) {
        List<String> checkers = r.violations().stream().map(Violation::checker).distinct().toList();
        f = new Found(index, s, checkers, r.violations().get(0));
      }
      long done;
      synchronized (this) {
        // a schedule cut short by a signal is not a schedule run, unless it violated before
        if (r.endReason() == EndReason.INTERRUPTED && f == null) return;
        done = ++run;
        events += r.events();
        if (swarm != null) {
          long[] c = subsets.computeIfAbsent(swarm.name(swarm.subset(s.seed())), k -> new long[2]);
          c[0]++;
          if (f != null) c[1]++;
        }
        if (cov != null) {
          states.addAll(cov.states());
          transitions.addAll(cov.transitions());
          if (done % growthStep == 0)
            growth.add(new long[] {done, states.size(), transitions.size()});
        }
        if (r.histograms() instanceof org.kernsim.engine.Metrics.Histograms hs)
          for (String k : hs.names()) // the values, without making each run's histogram
          hs.addTo(k, latencies.computeIfAbsent(k, x -> new Histogram(3)));
        else
          r.histograms()
              .forEach((k, h) -> latencies.computeIfAbsent(k, x -> new Histogram(3)).add(h));
        Map<String, Long> counters = r.counters();
        for (Map.Entry<String, Object> e : r.metrics().entrySet()) {
          if (!(e.getValue() instanceof Number num)) continue;
          long v = Math.round(num.doubleValue());
          if (v < 0) negatives.computeIfAbsent(e.getKey(), k -> new long[1])[0]++;
          perSchedule
              .computeIfAbsent(e.getKey(), k -> new Histogram(3))
              .recordValue(Math.max(0, v));
          if (counters.containsKey(e.getKey()))
            totals.computeIfAbsent(e.getKey(), k -> new long[1])[0] += v;
        }
        if (f != null) {
          violating++;
          for (String c : f.checkers()) byChecker.merge(c, 1L, Long::sum);
          if (kept.size() < KEPT) kept.add(f);
          if (first == null || f.index() < first.index()) {
            first = f;
            firstMillis = (System.nanoTime() - wallStart) / 1_000_000;
          }
          found = true;
        }
      }
      if (f != null) listener.violating(f);
      listener.progress(done);
    }

    synchronized Report report(String scenario, long wall, long prefixMillis, boolean stopped) {
      kept.sort(java.util.Comparator.comparingLong(Found::index));
      Map<String, Object> lat = new LinkedHashMap<>();
      latencies.forEach(
          (name, h) -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put(
                "what",
                "every value recorded in every schedule, one merged histogram (ns): its"
                    + " percentiles are of all the events, not sums or means of per-schedule ones");
            x.put("count", h.getTotalCount());
            x.put("min", h.getMinValue());
            x.put("p50", h.getValueAtPercentile(50));
            x.put("p90", h.getValueAtPercentile(90));
            x.put("p99", h.getValueAtPercentile(99));
            x.put("p999", h.getValueAtPercentile(99.9));
            x.put("max", h.getMaxValue());
            x.put("mean", Math.round(h.getMean()));
            lat.put(name, x);
          });
      Map<String, Object> met = new LinkedHashMap<>();
      perSchedule.forEach(
          (name, h) -> {
            Map<String, Object> x = new LinkedHashMap<>();
            long[] t = totals.get(name);
            if (t != null) {
              x.put(
                  "what", "a counter: total over the schedules, and its per-schedule distribution");
              x.put("total", t[0]);
            } else {
              x.put(
                  "what",
                  "a figure of one run (a percentile, a maximum, a time): its distribution over the"
                      + " schedules; never summed");
            }
            x.put("schedules", h.getTotalCount());
            x.put("min", h.getMinValue());
            x.put("p50", h.getValueAtPercentile(50));
            x.put("max", h.getMaxValue());
            x.put("mean", Math.round(h.getMean() * 1000) / 1000.0);
            long[] neg = negatives.get(name);
            if (neg != null) x.put("negativeValuesCountedAsZero", neg[0]);
            met.put(name, x);
          });
      String replay = first == null ? null : plan.replay(first.schedule());
      Map<String, Object> cov = null;
      if (plan.coverage()) {
        if (growth.isEmpty() || growth.get(growth.size() - 1)[0] != run)
          growth.add(new long[] {run, states.size(), transitions.size()});
        cov = new LinkedHashMap<>();
        cov.put(
            "what",
            "distinct abstract states (and transitions between them) of the entities that declare"
                + " one (worker pools, the kprobe core), over every schedule; growth: [schedules"
                + " run, states, transitions] as the exploration went");
        cov.put("abstractStates", states.size());
        cov.put("transitions", transitions.size());
        List<List<Long>> g = new ArrayList<>();
        for (long[] p : growth) g.add(List.of(p[0], p[1], p[2]));
        cov.put("growth", g);
      }
      Map<String, Object> sw = null;
      if (swarm != null) {
        sw = new LinkedHashMap<>();
        sw.put(
            "what",
            "swarm testing: each schedule switches a subset of the fault plan on (a function of its"
                + " seed; the others are switched off by the settings its replay names);"
                + " schedules and violating schedules per subset");
        sw.put(
            "components",
            swarm.components().stream().map(org.kernsim.run.swarm.Swarm.Component::name).toList());
        Map<String, Object> per = new LinkedHashMap<>();
        subsets.forEach(
            (k, c) -> {
              Map<String, Object> x = new LinkedHashMap<>();
              x.put("schedules", c[0]);
              x.put("violating", c[1]);
              per.put(k, x);
            });
        sw.put("subsets", per);
      }
      return new Report(
          plan,
          scenario,
          run,
          violating,
          List.copyOf(kept),
          new TreeMap<>(byChecker),
          first,
          replay,
          run / Math.max(1e-9, wall / 1000.0),
          wall,
          firstMillis,
          prefixMillis,
          events,
          met,
          lat,
          cov,
          stopped,
          sw);
    }
  }
}
