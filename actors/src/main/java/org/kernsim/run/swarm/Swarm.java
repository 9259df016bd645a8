package org.kernsim.run.swarm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.engine.SplitMix64;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;
import org.kernsim.scenario.Scenarios;

/**
 * Swarm testing (Groce, Zhang, Eide, Chen, Regehr, "Swarm Testing", ISSTA 2012): instead of every
 * schedule running with the whole fault plan, each schedule switches a random subset of the
 * scenario's fault plan on, so that faults which mask each other (a dropped message that hides a
 * delayed one, hotplug that empties the pool a preemption would have raced with) are also tried
 * apart.
 *
 * <p>The <b>components</b> are the parts of the fault plan the scenario switched on ({@link #ALL},
 * in that order): {@code faults.delay}, {@code faults.drop}, {@code faults.preempt}, {@code
 * faults.hotplug.rate} and {@code faults.hotplug.plan}. A schedule's subset is a function of its
 * scenario seed alone ({@link #subset}): bit {@code i} of a SplitMix64 mix of the seed says whether
 * component {@code i} is on. A component that is off is the setting that switches it off ({@code
 * faults.drop.probability=0}...), so a swarm schedule <em>is</em> the plain run of its seed with
 * those settings added, and {@code kernsim run SCENARIO --seed N --set ...} replays it. Nothing
 * else of the model changes: a subset is a smaller fault plan, never a behaviour the plan could not
 * produce.
 */
public final class Swarm {

  /**
   * One part of the fault plan.
   *
   * @param name its name in reports
   * @param key the setting that is non-zero (non-empty) when it is on
   * @param off the value that switches it off
   */
  public record Component(String name, String key, String off) {
    /** The {@code --set} that switches it off. */
    public String offSet() {
      return key + "=" + off;
    }
  }

  /** Every component swarm testing knows, in the order of a subset's bits. */
  public static final List<Component> ALL =
      List.of(
          new Component("delay", "faults.delay.probability", "0"),
          new Component("drop", "faults.drop.probability", "0"),
          new Component("preempt", "faults.preempt.rate", "0"),
          new Component("hotplug-rate", "faults.hotplug.rate", "0"),
          new Component("hotplug-plan", "faults.hotplug.plan", ""));

  private final Scenario scenario;
  private final List<Component> components;

  private Swarm(Scenario scenario, List<Component> components) {
    this.scenario = scenario;
    this.components = components;
  }

  /**
   * The swarm of {@code scenario}: the components of its fault plan that are on.
   *
   * @throws BadInputException if none is on (there is nothing to switch)
   */
  public static Swarm of(Scenario scenario) {
    List<Component> on = new ArrayList<>();
    for (Component c : ALL) {
      if (!scenario.settings().has(c.key())) continue;
      String v = scenario.settings().asText(c.key()).trim();
      boolean isOn = c.off().isEmpty() ? !v.isEmpty() : scenario.settings().number(c.key()) > 0;
      if (isOn) on.add(c);
    }
    if (on.isEmpty()) {
      List<String> keys = ALL.stream().map(Component::key).toList();
      throw new BadInputException(
          "--swarm: the scenario's fault plan is empty (none of "
              + String.join(", ", keys)
              + " is on; --set one)");
    }
    return new Swarm(scenario, List.copyOf(on));
  }

  public List<Component> components() {
    return components;
  }

  /** The subset of scenario seed {@code seed}: bit i set = component i on. */
  public long subset(long seed) {
    return subset(seed, components.size());
  }

  /** The subset of scenario seed {@code seed} over {@code n} components. */
  public static long subset(long seed, int n) {
    long mixed = new SplitMix64(seed ^ 0x5357_4152_4d00_0001L).nextLong();
    return n >= 64 ? mixed : mixed & ((1L << n) - 1);
  }

  /** The settings that switch off what {@code subset} leaves off, in component order. */
  public List<String> offSets(long subset) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < components.size(); i++)
      if ((subset & (1L << i)) == 0) out.add(components.get(i).offSet());
    return out;
  }

  /** The subset's name: its components joined with '+', or "none". */
  public String name(long subset) {
    List<String> on = new ArrayList<>();
    for (int i = 0; i < components.size(); i++)
      if ((subset & (1L << i)) != 0) on.add(components.get(i).name());
    return on.isEmpty() ? "none" : String.join("+", on);
  }

  /** The scenario with {@code subset}'s components only (the others switched off). */
  public Scenario scenarioOf(long subset) {
    Map<String, String> settings = new LinkedHashMap<>(scenario.settings().asOverrides());
    for (String s : offSets(subset)) {
      int eq = s.indexOf('=');
      settings.put(s.substring(0, eq), s.substring(eq + 1));
    }
    return Scenarios.fromMap(scenario.model(), settings);
  }
}
