package org.kernsim.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.StopRequest;
import org.kernsim.engine.Violation;
import org.kernsim.engine.schedule.guided.Chains;
import org.kernsim.engine.schedule.guided.Step;
import org.kernsim.models.Models;
import org.kernsim.scenario.Durations;
import org.kernsim.scenario.Scenario;

/**
 * Shrinks a violating coverage-guided schedule ({@link Chains}: a scenario seed, then forks {@code
 * (t1, p1) ... (tk, pk)}) to a smaller one that still fires the <em>same checker</em>. A fork
 * changes the state every later segment starts from, so dropping a fork rarely keeps a violation
 * (run 11's three-fork chain: none of its seven proper sub-chains violates, docs/exploration.md);
 * the shrinker therefore tries, greedily and in this order, keeping each change that still
 * violates, until a whole round keeps none or the budget is spent (after first ending the run just
 * after the violation, {@code --until}: one trial, and it makes every later one shorter):
 *
 * <ol>
 *   <li><b>drop forks</b>: the plain run of the seed, then the chain without each one fork; then
 *       without each fork but the last, the last fork's perturbation drawn again ({@code 1..}
 *       {@value #REDRAWS}: a dropped fork changes the state every later segment starts from, so the
 *       last fork's old draw rarely fits it);
 *   <li><b>move a fork later</b> (less of the run perturbed): for each fork, from the last, to 7/8,
 *       3/4 and 1/2 of the way from its time to the next fork's (the last: to the violation's),
 *       with its own perturbation and {@code 1..}{@value #MOVE_REDRAWS} (a fork's time is part of
 *       its perturbation's seed, so a moved fork is a new draw anyway);
 *   <li><b>lower the settings</b>: the model's shrinkable sizes and the fault plan's rates, as
 *       {@link Shrinker} does, with the same seed and chain (a chain belongs to its seed).
 * </ol>
 *
 * <p>Every trial is the chain's whole replay ({@link Chains#run}, what {@code kernsim run ...
 * --fork-at --perturb --then-fork} does), one after the other, so the result is a function of the
 * input and the budget. The result is never longer than the input; if nothing was kept it says so
 * ({@link Result#minimal}), with what was tried.
 */
public final class ChainShrinker {
  private ChainShrinker() {}

  /** One reduction that was kept: what, from, to. */
  public record Change(String what, String from, String to) {}

  /**
   * The shrunk schedule.
   *
   * @param overrides its settings
   * @param seed its scenario seed (the input's)
   * @param chain its forks (never more than the input's)
   * @param until its virtual-time limit (-1: the scenario's)
   * @param violation the first violation of the checker on its replay
   * @param replay the one command that replays it
   * @param runs trials run
   * @param changes the reductions kept, in order (empty: already minimal)
   * @param tried what kinds of reduction were tried, with their counts
   */
  public record Result(
      List<String> overrides,
      long seed,
      List<Step> chain,
      long until,
      Violation violation,
      String replay,
      int runs,
      List<Change> changes,
      Map<String, Integer> tried) {
    /** No reduction still fired the checker. */
    public boolean minimal() {
      return changes.isEmpty();
    }
  }

  /** Perturbations tried for the last fork once an earlier fork is dropped. */
  static final int REDRAWS = 8;

  /** Perturbations tried, besides the fork's own, at each later time a fork is moved to. */
  static final int MOVE_REDRAWS = 3;

  /**
   * Shrinks seed {@code seed}'s schedule {@code chain} of {@code scenarioName} with {@code
   * overrides} that fires {@code checker}.
   *
   * @param untilOverride its {@code --until} (-1: the scenario's)
   * @param budget most trials
   */
  public static Result shrink(
      String scenarioName,
      List<String> overrides,
      long seed,
      List<Step> chain,
      String checker,
      long untilOverride,
      int budget) {
    Trials t = new Trials(scenarioName, seed, checker, budget);
    Map<String, String> current = new LinkedHashMap<>();
    for (String o : overrides) {
      int eq = o.indexOf('=');
      current.put(o.substring(0, eq).trim(), o.substring(eq + 1).trim());
    }
    List<Step> best = List.copyOf(chain);
    long until = untilOverride;
    Violation v = t.violation(current, best, until);
    if (v == null)
      throw new IllegalArgumentException(
          "seed " + seed + " with chain " + best + " does not fire " + checker);
    List<Change> changes = new ArrayList<>();
    // first end the run just after the violation (one trial, and every later one is shorter);
    // again at the end if a fork after the violation prevented it
    boolean progress = true;
    for (int round = 0; round < 2; round++) {
      long cut = v.atNanos() + 1;
      if (t.left() && (until < 0 || cut < until)) {
        Violation w = t.count("end at the violation").violation(current, best, cut);
        if (w != null) {
          changes.add(
              new Change(
                  "until", until < 0 ? "the scenario's" : Durations.format(until), fmt(cut)));
          until = cut;
          v = w;
        }
      }
      if (round == 1) break;
      while (progress && t.left() && !StopRequest.requested()) {
        progress = false;
        // 1. drop forks: the plain seed, then each single fork
        List<List<Step>> drops = new ArrayList<>();
        if (!best.isEmpty()) drops.add(List.of());
        if (best.size() > 1)
          for (int i = 0; i < best.size(); i++) {
            List<Step> c = new ArrayList<>(best);
            c.remove(i);
            drops.add(c);
          }
        for (List<Step> c : drops) {
          if (!t.left()) break;
          Violation w = t.count("drop a fork").violation(current, c, until);
          if (w != null) {
            changes.add(new Change("forks", describe(best), describe(c)));
            best = c;
            v = w;
            progress = true;
            break;
          }
        }
        if (progress) continue;
        // 1b. drop a fork but the last, and draw the last fork's perturbation again (a dropped fork
        // changes the state the last one starts from, so its old draw rarely fits the new state)
        outer:
        for (int i = 0; i + 1 < best.size(); i++) {
          List<Step> c = new ArrayList<>(best);
          c.remove(i);
          Step last = c.get(c.size() - 1);
          for (long q = 1; q <= REDRAWS; q++) {
            if (!t.left()) break outer;
            if (q == last.perturbation()) continue;
            c.set(c.size() - 1, new Step(last.at(), q));
            Violation w =
                t.count("drop a fork, draw the last again")
                    .violation(current, List.copyOf(c), until);
            if (w != null) {
              changes.add(new Change("forks", describe(best), describe(c)));
              best = List.copyOf(c);
              v = w;
              progress = true;
              break outer;
            }
          }
        }
        if (progress) continue;
        // 2. move a fork later (less of the run perturbed), the last first: a fork's time is part
        // of
        // its perturbation's seed, so a moved fork is a new draw; a few later times (the latest
        // first), each with its own perturbation and a few others
        outer:
        for (int i = best.size() - 1; i >= 0; i--) {
          Step s = best.get(i);
          long lo = s.at();
          long hi = i + 1 < best.size() ? best.get(i + 1).at() : v.atNanos();
          for (int f : new int[] {8, 4, 2}) {
            long at = hi - (hi - lo) / f;
            if (at <= lo || at >= hi) continue;
            for (long q = 0; q <= MOVE_REDRAWS; q++) {
              if (!t.left()) break outer;
              long p = q == 0 ? s.perturbation() : q;
              if (q > 0 && q == s.perturbation()) continue;
              List<Step> c = new ArrayList<>(best);
              c.set(i, new Step(at, p));
              Violation w = t.count("move a fork later").violation(current, c, until);
              if (w != null) {
                changes.add(
                    new Change(
                        "fork " + (i + 1),
                        "at " + Durations.format(s.at()) + "/" + s.perturbation(),
                        "at " + Durations.format(at) + "/" + p));
                best = List.copyOf(c);
                v = w;
                progress = true;
                break outer;
              }
            }
          }
        }
        if (progress) continue;
        // 3. lower the model's sizes and the fault plan's rates
        Scenario base = Models.load(scenarioName, asList(current));
        List<String> keys = new ArrayList<>(base.model().shrinkable());
        for (String k : Shrinker.FAULT_KEYS) if (base.settings().has(k)) keys.add(k);
        outer:
        for (String key : keys) {
          for (String candidate : Shrinker.candidates(base.settings(), key)) {
            if (!t.left()) break outer;
            Map<String, String> trial = new LinkedHashMap<>(current);
            trial.put(key, candidate);
            Violation w = t.count("lower a setting").violation(trial, best, until);
            if (w != null) {
              changes.add(new Change(key, base.settings().asText(key), candidate));
              current = trial;
              v = w;
              progress = true;
              break outer;
            }
          }
        }
        if (progress) continue;
      }
    }
    List<String> sets = asList(current);
    return new Result(
        sets,
        seed,
        best,
        until,
        v,
        GuidedExplorer.replay(scenarioName, sets, seed, until, best),
        t.runs,
        changes,
        t.tried);
  }

  private static String fmt(long nanos) {
    return Durations.format(nanos);
  }

  /** A chain, briefly: "3 forks [872865ns/1816714274, ...]" or "the plain seed". */
  public static String describe(List<Step> chain) {
    if (chain.isEmpty()) return "the plain seed";
    StringBuilder sb = new StringBuilder();
    sb.append(chain.size()).append(chain.size() == 1 ? " fork [" : " forks [");
    for (int i = 0; i < chain.size(); i++) {
      if (i > 0) sb.append(", ");
      sb.append(Durations.format(chain.get(i).at()))
          .append('/')
          .append(chain.get(i).perturbation());
    }
    return sb.append(']').toString();
  }

  private static List<String> asList(Map<String, String> m) {
    List<String> out = new ArrayList<>();
    m.forEach((k, x) -> out.add(k + "=" + x));
    return out;
  }

  /** The trials: each a chain's whole replay, counted against the budget. */
  private static final class Trials {
    final String scenarioName;
    final long seed;
    final String checker;
    final int budget;
    int runs;
    final Map<String, Integer> tried = new LinkedHashMap<>();
    private final Map<List<String>, Scenario> scenarios = new java.util.HashMap<>();
    private final Map<List<String>, org.kernsim.engine.Simulation> sims = new java.util.HashMap<>();

    Trials(String scenarioName, long seed, String checker, int budget) {
      this.scenarioName = scenarioName;
      this.seed = seed;
      this.checker = checker;
      this.budget = budget;
    }

    boolean left() {
      return runs < budget;
    }

    Trials count(String kind) {
      tried.merge(kind, 1, Integer::sum);
      return this;
    }

    /** The first violation of the checker on the replay, or null (also if the chain cannot run). */
    Violation violation(Map<String, String> settings, List<Step> chain, long untilOverride) {
      runs++;
      List<String> sets = asList(settings);
      Scenario s;
      org.kernsim.engine.Simulation sim;
      try {
        s = scenarios.computeIfAbsent(sets, x -> Models.load(scenarioName, x));
        sim = sims.computeIfAbsent(sets, x -> s.build());
      } catch (RuntimeException invalid) {
        return null; // not a valid scenario (e.g. fewer CPUs than NUMA nodes)
      }
      long until = untilOverride >= 0 ? untilOverride : s.until();
      RunResult r;
      try {
        r = Chains.run(sim, RunOptions.of(seed, until), chain);
      } catch (IllegalArgumentException ended) {
        return null; // the run ended before a fork time, or the forks do not increase
      }
      return r.violations().stream()
          .filter(x -> x.checker().equals(checker))
          .findFirst()
          .orElse(null);
    }
  }
}
