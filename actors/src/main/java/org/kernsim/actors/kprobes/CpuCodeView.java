package org.kernsim.actors.kprobes;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.kernsim.protocol.kprobes.CodeChange;
import org.kernsim.protocol.kprobes.CodeChange.FirstByte;
import org.kernsim.protocol.kprobes.KprobeNote.HitKind;

/**
 * What one CPU sees of the kernel text and of the RCU-published probe table: the CPU executes
 * probed addresses against this view, never against another entity's state. It is updated only by
 * {@code CodeMemory}'s publications, in order, so a CPU sees exactly the sequence of states the
 * kernel's writers published (a stop_machine batch arrives while the CPU is in the stopper).
 *
 * <p>{@link #execute} is the x86 hit path of v2.6.36-v2.6.38: the int3 handler ({@code
 * kprobe_handler} -> {@code aggr_pre_handler} -> {@code setup_detour_execution} or single-step) and
 * the jump path ({@code optimized_callback}, which since the seed returns at once for a DISABLED
 * aggregator, "possible if op is under delayed unoptimizing"; before it, only {@code
 * aggr_pre_handler}'s per-child check applies).
 */
final class CpuCodeView {

  /**
   * The bytes at a probed address: byte 0, whether bytes 1..4 hold a jump displacement, its detour.
   */
  record Cell(FirstByte firstByte, boolean rel32, int op) {
    static final Cell ORIG = new Cell(FirstByte.ORIG, false, -1);
  }

  /**
   * One execution of a probed address.
   *
   * @param probe the probe whose memory the CPU uses while it runs (the hashed probe on the int3
   *     path, the aggregator on the jump path), or -1
   * @param handlers pre-handlers that ran
   * @param disabledHandlers of those, handlers of a probe the CPU sees DISABLED or GONE
   * @param problem why the execution is invalid (kind INVALID), or null
   * @param usesFreed the CPU entered a detour buffer / probe the CPU already saw freed
   */
  record Hit(
      HitKind kind,
      int probe,
      int handlers,
      int disabledHandlers,
      String problem,
      boolean usesFreed) {}

  // addresses are few and known: a sorted array, and the code and hash table slots per index
  private final int[] addrs;
  private final Cell[] code;
  private final int[] table;
  private final Map<Integer, CodeChange.ProbeState> states = new HashMap<>();
  private final Set<Integer> freedOps = new HashSet<>();
  private final boolean[] gone;
  private boolean allDisarmed;
  private int disarmAllReturnedAtDisarm;
  private int disarmAllReturned;
  private final boolean callbackChecksDisabled;

  /** The published patching descriptor: site -> detour op ({@code bp_desc}), empty if none. */
  private final Map<Integer, Integer> pokeSites = new HashMap<>();

  /**
   * A view of the probed addresses {@code addresses} (each may appear once); {@code
   * callbackChecksDisabled}: {@code optimized_callback()} has the seed's DISABLED check.
   */
  CpuCodeView(int[] addresses, boolean callbackChecksDisabled) {
    this.callbackChecksDisabled = callbackChecksDisabled;
    addrs = addresses.clone();
    java.util.Arrays.sort(addrs);
    code = new Cell[addrs.length];
    java.util.Arrays.fill(code, Cell.ORIG);
    table = new int[addrs.length];
    java.util.Arrays.fill(table, -1);
    gone = new boolean[addrs.length];
  }

  /** Whether a {@code text_poke_bp()} batch's descriptor is published (a batch is in progress). */
  boolean patching() {
    return !pokeSites.isEmpty();
  }

  private int slot(int addr) {
    int i = java.util.Arrays.binarySearch(addrs, addr);
    if (i < 0) throw new IllegalArgumentException("address " + addr + " is not a probed address");
    return i;
  }

  void apply(CodeChange c) {
    if (c instanceof CodeChange.TextPoke t) {
      int i = slot(t.addr());
      Cell old = code[i];
      code[i] = new Cell(t.value(), old.rel32(), old.op());
    } else if (c instanceof CodeChange.JumpWrite w) {
      code[slot(w.addr())] = new Cell(FirstByte.JMP, true, w.op());
    } else if (c instanceof CodeChange.JumpRestore r) {
      code[slot(r.addr())] = new Cell(FirstByte.INT3, false, -1);
    } else if (c instanceof CodeChange.TailWrite t) {
      int i = slot(t.addr());
      code[i] = new Cell(code[i].firstByte(), true, t.op());
    } else if (c instanceof CodeChange.TailRestore t) {
      int i = slot(t.addr());
      code[i] = new Cell(code[i].firstByte(), false, -1);
    } else if (c instanceof CodeChange.PokeDescriptor d) {
      pokeSites.clear();
      for (int k = 0; k < d.addrs().size(); k++) pokeSites.put(d.addrs().get(k), d.ops().get(k));
    } else if (c instanceof CodeChange.Hashed h) {
      table[slot(h.addr())] = h.probe();
    } else if (c instanceof CodeChange.Unhashed u) {
      table[slot(u.addr())] = -1;
    } else if (c instanceof CodeChange.ProbeState s) {
      states.put(s.probe(), s);
    } else if (c instanceof CodeChange.OpFreed f) {
      freedOps.add(f.op());
      states.remove(f.op());
    } else if (c instanceof CodeChange.Gone g) {
      gone[slot(g.addr())] = true;
    } else if (c instanceof CodeChange.Loaded l) {
      gone[slot(l.addr())] = false;
      code[slot(l.addr())] = Cell.ORIG;
    } else if (c instanceof CodeChange.Globals g) {
      if (g.allDisarmed() && !allDisarmed) disarmAllReturnedAtDisarm = g.disarmAllReturned();
      allDisarmed = g.allDisarmed();
      disarmAllReturned = g.disarmAllReturned();
    } else {
      throw new IllegalStateException("unknown change " + c);
    }
  }

  Cell cell(int addr) {
    return code[slot(addr)];
  }

  boolean gone(int addr) {
    return gone[slot(addr)];
  }

  /** Kprobes are globally disarmed and this CPU has seen a disarm_all_kprobes() return since. */
  boolean disarmAllReturned() {
    return allDisarmed && disarmAllReturned > disarmAllReturnedAtDisarm;
  }

  /**
   * Executes probed address {@code addr}; null if the code there is the original instruction (no
   * probe, nothing to do).
   *
   * @param disabledChecks whether the handlers test DISABLED (false only in the ablation that shows
   *     what the checks guard against)
   */
  Hit execute(int addr, boolean disabledChecks) {
    Cell c = cell(addr);
    switch (c.firstByte()) {
      case ORIG -> {
        if (c.rel32())
          return new Hit(
              HitKind.INVALID, -1, 0, 0, "original byte 0 followed by a jump displacement", false);
        return null;
      }
      case JMP -> {
        if (!c.rel32())
          return new Hit(HitKind.INVALID, -1, 0, 0, "jump opcode without its displacement", false);
        return jumpTo(c.op(), addr, disabledChecks);
      }
      case INT3 -> {
        Integer emulated = pokeSites.get(addr);
        if (emulated != null) {
          // poke_int3_handler() runs first: the site is being patched, the new instruction (a
          // jump into the detour) is emulated
          Hit j = jumpTo(emulated, addr, disabledChecks);
          return new Hit(
              HitKind.POKE_EMULATED,
              j.probe(),
              j.handlers(),
              j.disabledHandlers(),
              j.problem(),
              j.usesFreed());
        }
        int id = table[slot(addr)];
        if (id < 0)
          return new Hit(
              HitKind.INVALID, -1, 0, 0, "int3 that is not a kprobe (stray breakpoint)", false);
        boolean freed = freedOps.contains(id);
        CodeChange.ProbeState s = states.get(id);
        if (s == null && freed) return new Hit(HitKind.INT3, id, 0, 0, null, true); // freed, hashed
        if (s == null)
          throw new IllegalStateException("hashed probe " + id + " at " + addr + " has no state");
        int[] h;
        if (s.aggr()) {
          h = children(s, disabledChecks); // aggr_pre_handler
        } else {
          boolean dis = (s.flags() & (Kprobe.KPROBE_FLAG_DISABLED | Kprobe.KPROBE_FLAG_GONE)) != 0;
          h = new int[] {1, dis ? 1 : 0};
        }
        if (s.corruptInsn()) return new Hit(HitKind.INVALID, id, h[0], h[1], CORRUPT, freed);
        if (s.aggr() && (s.flags() & Kprobe.KPROBE_FLAG_OPTIMIZED) != 0) {
          // setup_detour_execution(): continue in the detour buffer's copied instructions
          return new Hit(HitKind.INT3_DETOUR, id, h[0], h[1], null, freed);
        }
        if (c.rel32()) {
          return new Hit(
              HitKind.INVALID,
              id,
              h[0],
              h[1],
              "single-stepped the first instruction of a patched window and resumed inside the jump displacement",
              freed);
        }
        return new Hit(HitKind.INT3, s.aggr() ? id : -1, h[0], h[1], null, freed);
      }
      default -> throw new IllegalStateException("unreachable");
    }
  }

  /** The jump into detour {@code op}: {@code optimized_callback()}, the handlers, the copy. */
  private Hit jumpTo(int op, int addr, boolean disabledChecks) {
    if (freedOps.contains(op)) return new Hit(HitKind.JUMP, op, 0, 0, null, true);
    CodeChange.ProbeState s = states.get(op);
    if (s == null) throw new IllegalStateException("jump to unknown detour " + op + " at " + addr);
    // optimized_callback(): "This is possible if op is under delayed unoptimizing"
    if (disabledChecks
        && callbackChecksDisabled
        && (s.flags() & (Kprobe.KPROBE_FLAG_DISABLED | Kprobe.KPROBE_FLAG_GONE)) != 0) {
      return new Hit(HitKind.JUMP, op, 0, 0, null, false);
    }
    int[] h = children(s, disabledChecks);
    if (s.corruptInsn()) return new Hit(HitKind.INVALID, op, h[0], h[1], CORRUPT, false);
    return new Hit(HitKind.JUMP, op, h[0], h[1], null, false);
  }

  private static final String CORRUPT =
      "executed an instruction copy made from another probe's jump bytes (KP-9)";

  private static int[] children(CodeChange.ProbeState s, boolean disabledChecks) {
    int ran = 0;
    int disabled = 0;
    for (int f : s.childFlags()) {
      boolean dis = (f & (Kprobe.KPROBE_FLAG_DISABLED | Kprobe.KPROBE_FLAG_GONE)) != 0;
      if (dis && disabledChecks) continue;
      ran++;
      if (dis) disabled++;
    }
    return new int[] {ran, disabled};
  }
}
