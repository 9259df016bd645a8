package org.kernsim.actors.wqlife;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.engine.Latency;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Durations;
import org.kernsim.scenario.Latencies;

/**
 * What the admin thread does to the workqueue, in order ({@code wq.script}): steps separated by
 * {@code ;}, each {@code apply ATTRS at TIME} ({@code apply_workqueue_attrs()} with attributes
 * number ATTRS: 0 is what {@code alloc_workqueue()} gave it; pools are shared by equal attributes)
 * or {@code destroy at TIME} ({@code destroy_workqueue()}), where TIME is a latency expression
 * ({@code 5ms}, {@code uniform(4ms, 6ms)}) drawn once per run: the virtual time the step starts at
 * (or at once, if the previous step ends later).
 */
public record AdminScript(List<Step> steps) {

  public enum Kind {
    APPLY,
    DESTROY
  }

  public record Step(Kind kind, int attrs, Latency at) {}

  /** How many distinct attribute sets the script can create pools for (0 included). */
  public int maxAttrs() {
    int m = 0;
    for (Step s : steps) m = Math.max(m, s.attrs());
    return m + 1;
  }

  /** How many pools the script can create at most: the first, and one per apply. */
  public int maxPools() {
    int n = 1;
    for (Step s : steps) if (s.kind() == Kind.APPLY) n++;
    return n;
  }

  public static AdminScript parse(String text) {
    List<Step> out = new ArrayList<>();
    boolean destroyed = false;
    for (String raw : text.split(";")) {
      String step = raw.strip();
      if (step.isEmpty()) continue;
      if (destroyed)
        throw new BadInputException("wq.script: nothing can follow 'destroy' (at '" + step + "')");
      int at = step.indexOf(" at ");
      if (at < 0) throw new BadInputException("wq.script: '" + step + "' needs 'at TIME'");
      String what = step.substring(0, at).strip();
      Latency when;
      String t = step.substring(at + 4).strip();
      try {
        when = t.contains("(") ? Latencies.parse(t) : Latency.fixed(Durations.parse(t));
      } catch (IllegalArgumentException e) {
        throw new BadInputException("wq.script: '" + step + "': " + e.getMessage());
      }
      if (what.equals("destroy")) {
        out.add(new Step(Kind.DESTROY, 0, when));
        destroyed = true;
      } else if (what.startsWith("apply ")) {
        int attrs;
        try {
          attrs = Integer.parseInt(what.substring(6).strip());
        } catch (NumberFormatException e) {
          throw new BadInputException("wq.script: '" + step + "': ATTRS must be 0..15");
        }
        if (attrs < 0 || attrs > 15)
          throw new BadInputException("wq.script: '" + step + "': ATTRS must be 0..15");
        out.add(new Step(Kind.APPLY, attrs, when));
      } else {
        throw new BadInputException(
            "wq.script: unknown step '" + step + "' (apply ATTRS at TIME, destroy at TIME)");
      }
    }
    return new AdminScript(List.copyOf(out));
  }
}
