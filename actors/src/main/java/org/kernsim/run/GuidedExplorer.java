package org.kernsim.run;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.kernsim.engine.Coverage;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.SplitMix64;
import org.kernsim.engine.StopRequest;
import org.kernsim.engine.schedule.guided.Chains;
import org.kernsim.engine.schedule.guided.Corpus;
import org.kernsim.engine.schedule.guided.Step;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.models.Models;
import org.kernsim.protocol.snapshot.SimSnapshot;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;

/**
 * Coverage-guided exploration ({@code explore --strategy guided}): instead of only fresh seeds, it
 * keeps a {@link Corpus} of the points where a schedule first reached an abstract state or
 * transition no schedule had reached before, and spends schedules going on from those points under
 * fresh {@code random} perturbations, favouring points continued rarely, whose new states are still
 * rare, and whose continuations were productive (Go-Explore over the engine's snapshots).
 *
 * <p>Schedules are taken in batches of {@link Params#batch} (numbered in order): a batch is planned
 * from the corpus as it stood before it (each slot a fresh seed, the next of {@code --seeds}, with
 * probability {@link Params#fresh}, else a point drawn by energy and a perturbation seed, all from
 * one random stream seeded by {@link Params#seed}), run on the threads, and folded in slot order.
 * So the whole exploration, the schedules it takes and what it finds, is a function of the plan and
 * the guided seed, whatever {@code --threads}. A schedule is a chain ({@link Chains}); its replay
 * is one {@code run} command ({@code --fork-at t1 --perturb p1 --then-fork t2/p2,...}). At most as
 * many schedules as {@code --seeds} names are run, so the cap is that of a plain exploration.
 *
 * <p>With {@code --swarm} ({@link org.kernsim.run.swarm.Swarm}) a schedule runs with its scenario
 * seed's subset of the fault plan, the whole chain (a chain's segments are one simulation, so its
 * root seed decides the subset, as it does for a plain swarm schedule); the subset is part of the
 * schedule's identity through its seed, and the replay names the settings that switch the others
 * off. The corpus is one for every subset (its points are abstract states, whichever subset reached
 * them).
 */
public final class GuidedExplorer {
  private GuidedExplorer() {}

  /**
   * The guided exploration's own parameters.
   *
   * @param seed the guided exploration's seed (its picks and perturbation seeds)
   * @param fresh the probability that a schedule is a fresh seed rather than a continuation
   * @param batch schedules planned at once (a constant, so the result does not depend on threads)
   */
  public record Params(long seed, double fresh, int batch) {
    public static final int BATCH = 16;

    public Params {
      if (!(fresh >= 0 && fresh <= 1))
        throw new BadInputException("--guided-fresh " + fresh + ": expected 0..1");
      if (batch < 1) throw new IllegalArgumentException("batch " + batch);
    }

    public Params(long seed, double fresh) {
      this(seed, fresh, BATCH);
    }
  }

  /**
   * A schedule of the guided exploration: its number, seed, chain and the point it went on from.
   */
  public record Guided(long index, long seed, List<Step> chain, Corpus.Entry from) {}

  /**
   * What a guided exploration found: the exploration's report (its replay that of the first
   * violating schedule's chain), the violating schedules' chains (the first {@value
   * Explorer#KEPT}), the guided figures for the JSON.
   */
  public record Outcome(
      Explorer.Report report,
      Map<Long, List<Step>> chains,
      Map<Long, String> traceSha256,
      Map<String, Object> json) {

    /** The chain of violating schedule number {@code index}. */
    public List<Step> chain(long index) {
      return chains.get(index);
    }

    /** The JSON of the report, with the guided object. */
    public Map<String, Object> fullJson() {
      Map<String, Object> m = report.json();
      m.put("guided", json);
      return m;
    }
  }

  /**
   * Violating schedules whose {@code traceSha256} the outcome gives (their replays, at the end: a
   * schedule itself runs without the trace hash); the others' replays compute it.
   */
  public static final int HASHED = 32;

  /** The fork that replays {@code chain} (null: a plain run of its seed). */
  public static RunSpec.Fork fork(List<Step> chain) {
    if (chain.isEmpty()) return null;
    return new RunSpec.Fork(
        chain.get(0).at(),
        chain.get(0).perturbation(),
        org.kernsim.engine.schedule.Strategy.random(),
        chain.subList(1, chain.size()));
  }

  /**
   * The settings of a guided schedule of seed {@code seed}: the plan's, and with {@code --swarm}
   * those that switch off what the seed's subset of the fault plan leaves off (a chain keeps its
   * root seed's subset: its segments are one simulation of one scenario).
   */
  public static List<String> settings(Explorer.Plan plan, long seed) {
    if (!plan.swarm()) return plan.overrides();
    org.kernsim.run.swarm.Swarm sw =
        org.kernsim.run.swarm.Swarm.of(Models.load(plan.scenario(), plan.overrides()));
    List<String> sets = new ArrayList<>(plan.overrides());
    sets.addAll(sw.offSets(sw.subset(seed)));
    return sets;
  }

  /** The one command that replays a guided schedule of {@code plan}. */
  public static String replay(Explorer.Plan plan, long seed, List<Step> chain) {
    return replay(plan.scenario(), settings(plan, seed), seed, plan.untilOverride(), chain);
  }

  /** The one command that replays seed {@code seed}'s {@code chain} (until -1: the scenario's). */
  public static String replay(
      String scenario, List<String> settings, long seed, long until, List<Step> chain) {
    return RunSpec.schedule(scenario, settings, seed, until, fork(chain)).replayCommand();
  }

  /** Explores {@code plan} (seeds, not forking) guided by coverage. */
  public static Outcome explore(Explorer.Plan plan, Params g, Explorer.Listener listener) {
    plan.validate();
    if (plan.forking())
      throw new BadInputException(
          "--strategy guided: picks its own fork points; not with --fork-at or --forks");
    Scenario scenario = Models.load(plan.scenario(), plan.overrides());
    org.kernsim.run.swarm.Swarm swarm =
        plan.swarm() ? org.kernsim.run.swarm.Swarm.of(scenario) : null;
    long until = plan.untilOverride() >= 0 ? plan.untilOverride() : scenario.until();
    long total = plan.schedules();
    long wallStart = System.nanoTime();
    Map<Long, List<Step>> chains = new ConcurrentHashMap<>();
    long digest = 0x5EED; // of every schedule taken, in order: (number, seed, chain)
    Explorer.Aggregate agg =
        new Explorer.Aggregate(plan, listener, wallStart, Math.max(1, total / 200), swarm);
    Sims sims = new Sims(scenario, swarm);
    Corpus corpus = new Corpus();
    SplitMix64 random =
        new SplitMix64(org.kernsim.engine.EntityRuntime.streamSeed(g.seed(), 0x6D1));
    Snapshots snapshots = new Snapshots(sims, until);
    int threads = (int) Math.max(1, Math.min(plan.threads(), g.batch()));
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "kernsim-guided");
              t.setDaemon(true);
              return t;
            });
    long nextSeed = plan.first();
    long done = 0;
    long fresh = 0;
    long continued = 0;
    long productiveContinuations = 0;
    long violatingContinuations = 0;
    Set<Integer> entriesContinued = new HashSet<>();
    int maxDepth = 0;
    try {
      while (done < total && !StopRequest.requested()) {
        if (plan.stopAtFirst() && agg.found()) break;
        // plan the batch from the corpus as it stands; a point whose snapshot cannot be taken (its
        // run ended before it) is marked dead and the batch planned again
        int n = (int) Math.min(g.batch(), total - done);
        List<Guided> batch;
        while (true) {
          long seedBefore = nextSeed;
          batch = new ArrayList<>(n);
          for (int j = 0; j < n; j++) {
            long index = done + j;
            double u = random.nextDouble();
            Corpus.Entry from = null;
            if (u >= g.fresh() && corpus.size() > 0) from = corpus.pick(1, index, random).get(0);
            if (from == null) {
              batch.add(new Guided(index, nextSeed++, List.of(), null));
            } else {
              long p = 1 + (random.nextLong() >>> 33); // 1 .. 2^31
              batch.add(new Guided(index, from.seed(), from.continued(p), from));
            }
          }
          List<Corpus.Entry> points = new ArrayList<>();
          for (Guided s : batch)
            if (s.from() != null && !points.contains(s.from())) points.add(s.from());
          List<Future<SimSnapshot>> taking = new ArrayList<>();
          for (Corpus.Entry e : points) taking.add(pool.submit(() -> snapshots.of(e)));
          boolean dead = false;
          for (int k = 0; k < points.size(); k++) {
            if (org.kernsim.engine.Await.result(taking.get(k)) == null) {
              corpus.dead(points.get(k));
              dead = true;
            }
          }
          if (!dead) break;
          nextSeed = seedBefore;
          for (Guided s : batch) if (s.from() != null) corpus.unchosen(s.from());
        }
        // run it: the continuations of one point one after the other on one thread, so that they
        // share the snapshot's decoded metrics and entity templates (a run does not depend on
        // where or after what it runs; the results are folded in slot order below)
        List<CompletableFuture<RunResult>> results = new ArrayList<>(n);
        List<Coverage> covs = new ArrayList<>(n);
        Map<Object, List<Integer>> groups = new LinkedHashMap<>();
        List<Guided> planned = batch;
        for (int j = 0; j < n; j++) {
          Guided s = planned.get(j);
          covs.add(new Coverage(true));
          results.add(new CompletableFuture<>());
          groups.computeIfAbsent(s.from() == null ? s : s.from(), k -> new ArrayList<>()).add(j);
        }
        for (List<Integer> group : groups.values())
          pool.submit(
              () -> {
                for (int j : group) {
                  try {
                    results
                        .get(j)
                        .complete(run(sims, snapshots, planned.get(j), until, covs.get(j)));
                  } catch (RuntimeException | Error x) {
                    results.get(j).completeExceptionally(x);
                  }
                }
              });
        // fold it in, in order
        for (int j = 0; j < n; j++) {
          Guided s = batch.get(j);
          RunResult r = org.kernsim.engine.Await.result(results.get(j));
          Coverage cov = covs.get(j);
          if (s.from() == null) fresh++;
          else {
            continued++;
            entriesContinued.add(s.from().id());
          }
          digest = org.kernsim.engine.AbstractState.mix(digest, s.index());
          digest = org.kernsim.engine.AbstractState.mix(digest, s.seed());
          for (Step st : s.chain()) {
            digest = org.kernsim.engine.AbstractState.mix(digest, st.at());
            digest = org.kernsim.engine.AbstractState.mix(digest, st.perturbation());
          }
          if (!r.violations().isEmpty() && chains.size() < Explorer.KEPT)
            chains.put(s.index(), s.chain());
          long lastP = s.chain().isEmpty() ? 0 : s.chain().get(s.chain().size() - 1).perturbation();
          agg.add(
              s.index(), new Explorer.Schedule(s.seed(), lastP), r, plan.coverage() ? cov : null);
          long t = cov.firstOutside(corpus::seen);
          long[] novel = corpus.reached(cov.states(), cov.transitions());
          boolean productive = novel.length > 0 || !r.violations().isEmpty();
          if (novel.length > 0 && t >= 0) {
            corpus.add(s.from(), s.seed(), s.chain(), t + 1, novel, s.index());
            maxDepth = Math.max(maxDepth, s.chain().size());
          }
          if (s.from() != null && productive) {
            corpus.productive(s.from(), s.index());
            if (novel.length > 0) productiveContinuations++;
            if (!r.violations().isEmpty()) violatingContinuations++;
          }
        }
        done += n;
        snapshots.trim();
      }
    } finally {
      pool.shutdownNow();
    }
    long wall = (System.nanoTime() - wallStart) / 1_000_000;
    Explorer.Report base = agg.report(scenario.name(), wall, 0, StopRequest.requested());
    String replay =
        base.first() == null
            ? null
            : replay(plan, base.first().schedule().seed(), chains.get(base.first().index()));
    Explorer.Report report =
        new Explorer.Report(
            base.plan(),
            base.scenario(),
            base.schedulesRun(),
            base.violating(),
            base.violatingKept(),
            base.violationsByChecker(),
            base.first(),
            replay,
            base.schedulesPerSecond(),
            base.wallMillis(),
            base.firstFoundMillis(),
            base.prefixMillis(),
            base.events(),
            base.metrics(),
            base.latencies(),
            base.coverage(),
            base.interrupted(),
            base.swarm());
    Map<Long, List<Step>> kept = new LinkedHashMap<>();
    Map<Long, String> keptHashes = new LinkedHashMap<>();
    for (Explorer.Found f : report.violatingKept()) {
      kept.put(f.index(), chains.get(f.index()));
      // a schedule runs without its trace hash; the first violating ones' replays compute it
      if (keptHashes.size() < HASHED && !StopRequest.requested()) {
        Sim sim = sims.of(f.schedule().seed());
        keptHashes.put(
            f.index(),
            Chains.run(sim.sim(), RunOptions.of(f.schedule().seed(), until), chains.get(f.index()))
                .traceSha256());
      }
    }
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("guidedSeed", g.seed());
    j.put("freshProbability", g.fresh());
    j.put("batch", g.batch());
    j.put(
        "scheduleIdentity",
        "scenario and settings, scenario seed, chain [(forkAtNanos, perturbation)...] of random"
            + " forks (empty: the plain run of the seed)"
            + (swarm == null
                ? ""
                : "; with --swarm the scenario seed's subset of the fault plan, for the whole"
                    + " chain (the replay names the settings that switch the others off)"));
    j.put("freshSchedules", fresh);
    j.put("continuedSchedules", continued);
    j.put("continuationsWithNewCoverage", productiveContinuations);
    j.put("violatingContinuations", violatingContinuations);
    j.put("corpusPoints", corpus.size());
    j.put("pointsContinued", entriesContinued.size());
    j.put("deepestChain", maxDepth);
    j.put("snapshotsTaken", snapshots.taken());
    j.put("statesAndTransitionsSeen", corpus.seenCount());
    j.put("schedulesDigest", String.format("%016x", digest));
    List<Object> v = new ArrayList<>();
    for (Map.Entry<Long, List<Step>> e : kept.entrySet()) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("schedule", e.getKey() + 1);
      Explorer.Found f =
          report.violatingKept().stream().filter(x -> x.index() == e.getKey()).findFirst().get();
      one.put("seed", f.schedule().seed());
      one.put("chain", chainJson(e.getValue()));
      if (keptHashes.containsKey(e.getKey())) one.put("traceSha256", keptHashes.get(e.getKey()));
      v.add(one);
    }
    j.put("violating", v);
    if (report.first() != null)
      j.put("firstViolationChain", chainJson(chains.get(report.first().index())));
    return new Outcome(report, kept, keptHashes, j);
  }

  private static List<Object> chainJson(List<Step> chain) {
    List<Object> out = new ArrayList<>();
    for (Step s : chain) out.add(List.of(s.at(), s.perturbation()));
    return out;
  }

  private static RunResult run(Sims sims, Snapshots snapshots, Guided s, long until, Coverage cov) {
    // nothing reads a schedule's trace hash (a violating one's replay computes it, at the end)
    RunOptions options = RunOptions.of(s.seed(), until).withoutTraceHash();
    Sim sim = sims.of(s.seed());
    if (s.from() == null)
      return org.kernsim.engine.SequentialDriver.run(sim.sim(), options, sim.codec(), null, cov);
    SimSnapshot from = snapshots.of(s.from());
    if (from == null) throw new IllegalStateException("a point without a snapshot was picked");
    return Chains.finish(
        sim.sim(), sim.codec(), options, from, s.chain().get(s.chain().size() - 1), cov);
  }

  /** A built simulation and its codec, shared by the threads. */
  private record Sim(Simulation sim, StateCodec codec) {}

  /**
   * The simulation of each seed: the scenario's, or with {@code --swarm} that of the seed's subset
   * of the fault plan (one per subset, built when first needed).
   */
  private static final class Sims {
    private final org.kernsim.run.swarm.Swarm swarm;
    private final Sim whole;
    private final ConcurrentHashMap<Long, Sim> bySubset = new ConcurrentHashMap<>();

    Sims(Scenario scenario, org.kernsim.run.swarm.Swarm swarm) {
      this.swarm = swarm;
      this.whole = swarm == null ? of(scenario) : null;
    }

    private static Sim of(Scenario s) {
      Simulation sim = s.build();
      return new Sim(sim, new StateCodec(sim));
    }

    Sim of(long seed) {
      if (swarm == null) return whole;
      return bySubset.computeIfAbsent(swarm.subset(seed), m -> of(swarm.scenarioOf(m)));
    }
  }

  /**
   * The points' snapshots, taken when first needed (a point's parent first) and kept while used;
   * one dropped is taken again the same way (the chain is deterministic, so it is the same).
   */
  private static final class Snapshots {
    static final int KEEP = 2048;
    private final Sims sims;
    private final long until;
    private final ConcurrentHashMap<Corpus.Entry, CompletableFuture<SimSnapshot>> taken =
        new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong count =
        new java.util.concurrent.atomic.AtomicLong();

    Snapshots(Sims sims, long until) {
      this.sims = sims;
      this.until = until;
    }

    SimSnapshot of(Corpus.Entry e) {
      CompletableFuture<SimSnapshot> mine = new CompletableFuture<>();
      CompletableFuture<SimSnapshot> f = taken.putIfAbsent(e, mine);
      if (f != null) return org.kernsim.engine.Await.result(f);
      try {
        SimSnapshot s;
        RunOptions options = RunOptions.of(e.seed(), until);
        Simulation sim = sims.of(e.seed()).sim();
        StateCodec codec = sims.of(e.seed()).codec();
        if (e.parent() == null) {
          s = Chains.snapshotAt(sim, codec, options, null, null, e.at());
        } else {
          SimSnapshot p = of(e.parent());
          s =
              p == null
                  ? null
                  : Chains.snapshotAt(
                      sim, codec, options, p, e.steps().get(e.steps().size() - 1), e.at());
        }
        count.incrementAndGet();
        mine.complete(s);
        return s;
      } catch (RuntimeException | Error x) {
        mine.completeExceptionally(x);
        throw x;
      }
    }

    long taken() {
      return count.get();
    }

    /** Keeps at most {@link #KEEP} snapshots (between batches, when none is being taken). */
    void trim() {
      if (taken.size() <= KEEP) return;
      List<Corpus.Entry> keys = new ArrayList<>(taken.keySet());
      keys.sort(java.util.Comparator.comparingInt(Corpus.Entry::id));
      // the oldest points go first: the energy favours recent ones
      for (int i = 0; i < keys.size() - KEEP / 2; i++) taken.remove(keys.get(i));
    }
  }
}
