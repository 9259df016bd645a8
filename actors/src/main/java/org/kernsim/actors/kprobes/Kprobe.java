package org.kernsim.actors.kprobes;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code struct kprobe}, and for an aggregator {@code struct optimized_kprobe}: the state the
 * kprobes core keeps under kprobe_mutex. A user probe is the caller's object (re-created for each
 * registration); an aggregator ("aggrprobe") is allocated by the core and dispatches to its
 * children.
 */
final class Kprobe {
  static final int KPROBE_FLAG_GONE = 1;
  static final int KPROBE_FLAG_DISABLED = 2;
  static final int KPROBE_FLAG_OPTIMIZED = 4;

  /** Which list {@code op->list} is on (empty: NONE). */
  enum OpList {
    NONE,
    /** {@code optimizing_list}. */
    OPTIMIZING,
    /** {@code unoptimizing_list}. */
    UNOPTIMIZING,
    /** The optimizer's local {@code free_list} (between Step 1 and Step 4 of one run). */
    FREE
  }

  /** The lifecycle states of spec A.5, derived from the flags and the list. */
  enum State {
    UNOPTIMIZED,
    OPTIMIZING,
    OPTIMIZED,
    UNOPTIMIZING,
    FREEING,
    FREED
  }

  final int id;
  final int addr;
  final boolean aggr;
  int flags;
  boolean postHandler;

  /** Aggregator: its children ({@code ap->list}), newest first as with {@code list_add_rcu}. */
  final List<Kprobe> list = new ArrayList<>();

  /** Child: the aggregator whose list it is on, or null. */
  Kprobe parent;

  /**
   * Aggregator: {@code optinsn.size}, the bytes the jump replaces; 0 if no detour buffer was
   * prepared.
   */
  int optSize;

  OpList queue = OpList.NONE;

  /** Its instruction copy (and detour) was made from bytes that were not the original (KP-9). */
  boolean corruptInsn;

  boolean hashed;
  boolean freed;

  /** The state last reported in a Transition note. */
  State reported;

  Kprobe(int id, int addr, boolean aggr) {
    this.id = id;
    this.addr = addr;
    this.aggr = aggr;
  }

  boolean disabled() {
    return (flags & (KPROBE_FLAG_DISABLED | KPROBE_FLAG_GONE)) != 0;
  }

  boolean gone() {
    return (flags & KPROBE_FLAG_GONE) != 0;
  }

  boolean optimized() {
    return (flags & KPROBE_FLAG_OPTIMIZED) != 0;
  }

  State state() {
    if (freed) return State.FREED;
    return switch (queue) {
      case FREE -> State.FREEING;
      case OPTIMIZING -> State.OPTIMIZING;
      case UNOPTIMIZING -> State.UNOPTIMIZING;
      case NONE -> optimized() ? State.OPTIMIZED : State.UNOPTIMIZED;
    };
  }

  @Override
  public String toString() {
    return (aggr ? "aggr" : "kp") + id + "@" + addr;
  }
}
