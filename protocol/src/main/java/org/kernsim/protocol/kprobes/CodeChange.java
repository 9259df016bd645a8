package org.kernsim.protocol.kprobes;

import java.util.List;
import org.kernsim.protocol.WireMessage;

/**
 * One change to what a CPU reads when it executes a probed address: the kernel text (the first byte
 * and the 4 displacement bytes of a 5-byte jump window) and the RCU-published probe table ({@code
 * kprobe_table}, the aggregator's flags and child list) that the trap and jump handlers read.
 * Changes are published in order by {@code CodeMemory} to every CPU's view.
 */
public sealed interface CodeChange extends WireMessage
    permits CodeChange.TextPoke,
        CodeChange.JumpWrite,
        CodeChange.JumpRestore,
        CodeChange.Hashed,
        CodeChange.Unhashed,
        CodeChange.ProbeState,
        CodeChange.OpFreed,
        CodeChange.Gone,
        CodeChange.Globals,
        CodeChange.TailWrite,
        CodeChange.TailRestore,
        CodeChange.PokeDescriptor,
        CodeChange.Loaded {

  /** What byte 0 of a probed instruction holds. */
  enum FirstByte {
    /** The original first byte (B0). */
    ORIG,
    /** A breakpoint, 0xCC. */
    INT3,
    /** The opcode of a relative jump, 0xE9. */
    JMP
  }

  /**
   * {@code text_poke()} of byte 0: {@code arch_arm_kprobe} (INT3) or {@code arch_disarm_kprobe}
   * (ORIG).
   */
  record TextPoke(int addr, FirstByte value) implements CodeChange {}

  /**
   * Optimise: byte 0 = E9, bytes 1..4 = rel32 to detour buffer {@code op} (only inside
   * stop_machine).
   */
  record JumpWrite(int addr, int size, int op) implements CodeChange {}

  /** Un-optimise: byte 0 = CC, bytes 1..4 = the saved original bytes (only inside stop_machine). */
  record JumpRestore(int addr, int op) implements CodeChange {}

  /**
   * {@code kprobe_table} now holds probe {@code probe} at {@code addr} (hlist_add / hlist_replace).
   */
  record Hashed(int addr, int probe) implements CodeChange {}

  /** {@code hlist_del_rcu}: nothing is hashed at {@code addr} any more. */
  record Unhashed(int addr) implements CodeChange {}

  /**
   * The published state of probe {@code probe}: its flags (GONE=1, DISABLED=2, OPTIMIZED=4),
   * whether it is an aggregator, and for an aggregator its children (ids) with their flags. {@code
   * corruptInsn}: the out-of-line copy of its instruction (and its detour) was made from bytes that
   * were not the original instruction (KP-9).
   */
  record ProbeState(
      int probe,
      int addr,
      boolean aggr,
      int flags,
      List<Integer> children,
      List<Integer> childFlags,
      boolean corruptInsn)
      implements CodeChange {}

  /**
   * {@code free_aggr_kprobe()}: the optimized_kprobe {@code op} (and its detour buffer) is freed.
   */
  record OpFreed(int op) implements CodeChange {}

  /**
   * int3-based patching: bytes 1..4 at {@code addr} become the rel32 of a jump to detour {@code op}
   * (byte 0 unchanged): a store of its own, observable with whatever byte 0 holds.
   */
  record TailWrite(int addr, int op) implements CodeChange {}

  /** int3-based patching: bytes 1..4 at {@code addr} get the original bytes back. */
  record TailRestore(int addr) implements CodeChange {}

  /**
   * The patching descriptor of {@code text_poke_bp_batch()} ({@code bp_desc}): while published, an
   * int3 at {@code addrs[i]} is emulated by {@code poke_int3_handler()} as the new instruction, a
   * jump to detour {@code ops[i]}. Empty: retired.
   */
  record PokeDescriptor(List<Integer> addrs, List<Integer> ops) implements CodeChange {}

  /** The code at {@code addr} belongs to a module going away: it is not executed any more. */
  record Gone(int addr) implements CodeChange {}

  /**
   * The module holding {@code addr} was loaded again: its text there is the original instruction
   * and it is executed again.
   */
  record Loaded(int addr) implements CodeChange {}

  /**
   * Global switches, as the NoProbeFiresAfterDisarmAll check needs them: {@code allDisarmed} is
   * {@code kprobes_all_disarmed} from {@code disarm_all_kprobes()} until {@code arm_all_kprobes()}
   * starts (CPUs never read it; the first re-armed int3 may fire); {@code disarmAllReturned} counts
   * the calls of {@code disarm_all_kprobes()} that have returned to their caller (a CPU that sees
   * it has observed that return).
   */
  record Globals(boolean allDisarmed, int disarmAllReturned) implements CodeChange {}
}
