package org.kernsim.actors.kprobes;

import java.util.ArrayDeque;
import java.util.Arrays;
import org.kernsim.engine.AbstractState;

/**
 * The kprobe core's abstract state for exploration coverage: what the optimizer and the
 * (un)registration paths of kernel/kprobes.c decide on. For each hashed probe its state
 * (unoptimized, optimizing, optimized, unoptimizing, freeing), GONE, DISABLED, an aggregator or not
 * — as a multiset (probes are alike; which one is where does not matter); the lengths of {@code
 * optimizing_list}, {@code unoptimizing_list} and the optimizer's free list (0, 1, 2, more);
 * whether all probes are disarmed and optimization allowed. Probe ids and times are left out.
 */
final class KprobesAbstraction {
  private KprobesAbstraction() {}

  static long of(KprobeCore c) {
    long h = 3;
    int[] states = new int[c.table.size()];
    int i = 0;
    for (Kprobe p : c.table.values()) {
      states[i++] =
          p.state().ordinal() | (p.gone() ? 8 : 0) | (p.disabled() ? 16 : 0) | (p.aggr ? 32 : 0);
    }
    // probes are alike: their multiset of states, not which probe is where
    Arrays.sort(states);
    for (int s : states) h = AbstractState.mix(h, s);
    h = AbstractState.mix(h, len(c.optimizingList));
    h = AbstractState.mix(h, len(c.unoptimizingList));
    h = AbstractState.mix(h, len(c.freeList));
    return AbstractState.mix(
        h, (c.kprobesAllDisarmed ? 1 : 0) | (c.kprobesAllowOptimization ? 2 : 0));
  }

  private static int len(ArrayDeque<Kprobe> l) {
    return Math.min(3, l.size());
  }
}
