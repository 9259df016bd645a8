package org.kernsim.engine;

/**
 * An entity that declares an abstract state for exploration coverage: a digest of the part of its
 * state that matters to the races the model is about (a worker pool: the idle list's flags and
 * order, who is picked, the idle timer, the cull; kprobes: the probes' states and lists), leaving
 * out what only numbers things (ids, times, counts beyond a few). {@code explore} counts the
 * distinct abstract states and transitions its schedules reach.
 */
public interface AbstractState {

  /**
   * The abstract state now ({@code now}: the virtual time of the event just handled), as a 64-bit
   * digest; equal states must give equal digests.
   */
  long abstractState(long now);

  /** Mixes {@code v} into the digest {@code h} (a helper for implementations). */
  static long mix(long h, long v) {
    long z = (h ^ v) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 32)) * 0xD6E8FEB86659FD93L;
    return z ^ (z >>> 32);
  }
}
