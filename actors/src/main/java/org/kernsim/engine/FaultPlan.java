package org.kernsim.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The message faults of a run, from the {@code faults.*} settings: extra delays on a share of the
 * messages between entities (optionally only some message types), and dropped messages (an
 * ablation: the kernel does not lose them). Decisions are drawn from the sender's fault stream, so
 * a faulty run replays from its seed like any other.
 */
public final class FaultPlan implements LinkFaults {
  private final double delayProbability;
  private final Latency extra;
  private final List<Pattern> delayTypes;
  private final double dropProbability;
  private final List<Pattern> dropTypes;

  public FaultPlan(
      double delayProbability,
      Latency extra,
      String delayTypes,
      double dropProbability,
      String dropTypes) {
    this.delayProbability = delayProbability;
    this.extra = extra;
    this.delayTypes = globs(delayTypes);
    this.dropProbability = dropProbability;
    this.dropTypes = globs(dropTypes);
  }

  public boolean active() {
    return delayProbability > 0 || dropProbability > 0;
  }

  @Override
  public long extraDelay(int src, int dst, Object message, long now, RandomGenerator random) {
    if (dropProbability > 0 && matches(dropTypes, message) && random.nextDouble() < dropProbability)
      return DROP;
    if (delayProbability > 0
        && matches(delayTypes, message)
        && random.nextDouble() < delayProbability) {
      return extra.sample(random);
    }
    return 0;
  }

  private static boolean matches(List<Pattern> types, Object message) {
    if (types.isEmpty()) return true;
    String t = RecordCodec.typeName(message);
    for (Pattern p : types) if (p.matcher(t).matches()) return true;
    return false;
  }

  static List<Pattern> globs(String spec) {
    List<Pattern> out = new ArrayList<>();
    for (String g : spec.split(",")) {
      g = g.trim();
      if (g.isEmpty() || g.equals("*")) continue;
      StringBuilder sb = new StringBuilder();
      for (char c : g.toCharArray()) {
        if (c == '*') sb.append(".*");
        else if (c == '?') sb.append('.');
        else sb.append(Pattern.quote(String.valueOf(c)));
      }
      out.add(Pattern.compile(sb.toString()));
    }
    if (out.isEmpty() && !spec.isBlank() && !spec.contains("*"))
      throw new IllegalArgumentException("no message type in '" + spec + "'");
    return out;
  }
}
