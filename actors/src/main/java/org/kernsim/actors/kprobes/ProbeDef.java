package org.kernsim.actors.kprobes;

/**
 * One probe of the scenario: the caller's {@code struct kprobe} {@code id} named {@code name} at
 * address {@code addr}; {@code size} is the {@code optinsn.size} of an aggregator at that address
 * (the whole instructions a 5-byte jump replaces), {@code optimizable} whether {@code
 * arch_prepare_optimized_kprobe} succeeds there.
 */
record ProbeDef(int id, String name, int addr, int size, boolean optimizable, boolean ftrace) {
  ProbeDef {
    if (size < 5)
      throw new IllegalArgumentException("optinsn.size must be >= 5 (a jump is 5 bytes): " + size);
  }

  /** A probe on an ordinary instruction (not an ftrace location). */
  ProbeDef(int id, String name, int addr, int size, boolean optimizable) {
    this(id, name, addr, size, optimizable, false);
  }
}
